#include "cost/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::cost {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(int y, unsigned m, unsigned d, int hour = 12, int minute = 0,
                            int second = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
         std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
}

SpendEntry Entry(system_clock::time_point at, std::string token, std::string model, double cost,
                 Usage usage = {100, 20, 10}, std::string environment = "prod") {
  return {at, std::move(environment), std::move(token), std::move(model), usage, cost};
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ledger_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<Ledger> OpenOrDie() {
    auto ledger = Ledger::Open(dir_ / "ledger.db");
    EXPECT_TRUE(ledger.ok()) << ledger.error().message;
    return ledger.ok() ? std::move(ledger).value() : nullptr;
  }

  static double SpentOrDie(const Ledger& ledger, const SpendScope& scope, Period period,
                           system_clock::time_point at) {
    auto spent = ledger.Spent(scope, period, at);
    EXPECT_TRUE(spent.ok()) << spent.error().message;
    return spent.ok() ? *spent : -1;
  }

  std::filesystem::path dir_;
};

TEST(CalendarKeysTest, DaysAndMonthsAreUtc) {
  EXPECT_EQ(UtcDay(At(2026, 11, 30, 23, 59, 59)), "2026-11-30");
  EXPECT_EQ(UtcDay(At(2026, 12, 1, 0)), "2026-12-01");
  EXPECT_EQ(UtcMonth(At(2026, 11, 30, 23, 59, 59)), "2026-11");
  EXPECT_EQ(UtcMonth(At(2027, 1, 1, 0)), "2027-01");
  EXPECT_EQ(UtcDay(system_clock::time_point{}), "1970-01-01");
}

TEST(MoneyTest, NanoDollarsRoundToNearestAndRefuseNonsense) {
  EXPECT_EQ(ToNanoUsd(1.0), 1'000'000'000);
  EXPECT_EQ(ToNanoUsd(0.1), 100'000'000);
  EXPECT_EQ(ToNanoUsd(1.5e-9), 2);
  EXPECT_EQ(ToNanoUsd(-3.0), 0);
  EXPECT_EQ(ToNanoUsd(std::nan("")), 0);
  EXPECT_GT(ToNanoUsd(1e300), 0);  // saturates instead of overflowing
  EXPECT_DOUBLE_EQ(ToUsd(250'000'000), 0.25);
}

TEST_F(LedgerTest, CallsAddUpPerDayTokenAndModel) {
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  const auto day = At(2026, 11, 28);
  ASSERT_TRUE(ledger->Record(Entry(day, "tok_a", "gpt-4o-mini", 0.25)).ok());
  ASSERT_TRUE(ledger->Record(Entry(day + std::chrono::hours(3), "tok_a", "gpt-4o-mini", 0.5)).ok());
  ASSERT_TRUE(ledger->Record(Entry(day, "tok_b", "gpt-4o-mini", 1.0, {1000, 0, 0})).ok());
  ASSERT_TRUE(ledger->Record(Entry(day, "tok_a", "gpt-5", 2.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 29), "tok_a", "gpt-5", 4.0)).ok());

  auto rows = ledger->Series("2026-11-28", "2026-11-29");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  const SpendRow& mini = (*rows)[0];
  EXPECT_EQ(mini.day, "2026-11-28");
  EXPECT_EQ(mini.environment, "prod");
  EXPECT_EQ(mini.model, "gpt-4o-mini");
  EXPECT_EQ(mini.requests, 3);
  EXPECT_EQ(mini.input_tokens, 1200);
  EXPECT_EQ(mini.cached_input_tokens, 40);
  EXPECT_EQ(mini.output_tokens, 20);
  EXPECT_DOUBLE_EQ(mini.cost_usd, 1.75);
  EXPECT_EQ((*rows)[1].model, "gpt-5");
  EXPECT_DOUBLE_EQ((*rows)[1].cost_usd, 2.0);
  EXPECT_EQ((*rows)[2].day, "2026-11-29");
  EXPECT_EQ((*rows)[2].requests, 1);

  auto one_day = ledger->Series("2026-11-29", "2026-11-29");
  ASSERT_TRUE(one_day.ok());
  ASSERT_EQ(one_day->size(), 1u);
  EXPECT_DOUBLE_EQ((*one_day)[0].cost_usd, 4.0);

  EXPECT_FALSE(ledger->Series("2026-11", "2026-11-29").ok());
}

TEST_F(LedgerTest, SpentIsScopedByEnvironmentTokenDayAndMonth) {
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 10, 31, 23, 59, 59), "tok_a", "m", 100.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 1, 0), "tok_a", "m", 1.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 27), "tok_b", "m", 2.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 28), "tok_a", "m", 4.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 28), "tok_b", "m", 8.0)).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 28), "tok_a", "m", 16.0, {}, "staging")).ok());
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 12, 1), "tok_a", "m", 32.0)).ok());

  const auto now = At(2026, 11, 28, 18);
  const SpendScope prod{"prod", std::nullopt};
  const SpendScope prod_a{"prod", "tok_a"};
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod, Period::kDay, now), 12.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod, Period::kMonth, now), 15.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod_a, Period::kDay, now), 4.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod_a, Period::kMonth, now), 5.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, {"staging", std::nullopt}, Period::kMonth, now), 16.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, {"prod", "tok_zzz"}, Period::kMonth, now), 0.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod, Period::kMonth, At(2026, 10, 1)), 100.0);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, prod, Period::kDay, At(2026, 12, 1, 23)), 32.0);
}

TEST_F(LedgerTest, SumsAreExactToTheNanoDollar) {
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        ledger->Record(Entry(At(2026, 11, 28), "tok_" + std::to_string(i % 3), "m", 0.1)).ok());
  }
  EXPECT_EQ(SpentOrDie(*ledger, {"prod", std::nullopt}, Period::kDay, At(2026, 11, 28)), 1.0);
}

TEST_F(LedgerTest, SpendSurvivesReopening) {
  {
    auto ledger = OpenOrDie();
    ASSERT_NE(ledger, nullptr);
    ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 28), "tok_a", "gpt-5", 1.25)).ok());
  }
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  EXPECT_DOUBLE_EQ(SpentOrDie(*ledger, {"prod", "tok_a"}, Period::kDay, At(2026, 11, 28)), 1.25);
  ASSERT_TRUE(ledger->Record(Entry(At(2026, 11, 28), "tok_a", "gpt-5", 0.75)).ok());
  auto rows = ledger->Series("2026-11-01", "2026-11-30");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].requests, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].cost_usd, 2.0);
}

TEST_F(LedgerTest, AnAlertIsMarkedOnlyOnceEvenAcrossReopening) {
  {
    auto ledger = OpenOrDie();
    ASSERT_NE(ledger, nullptr);
    auto first = ledger->MarkAlerted("environment:prod", "2026-11-28", 0.8);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(*first);
    auto again = ledger->MarkAlerted("environment:prod", "2026-11-28", 0.8);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
  }
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  EXPECT_FALSE(*ledger->MarkAlerted("environment:prod", "2026-11-28", 0.8));
  EXPECT_TRUE(*ledger->MarkAlerted("environment:prod", "2026-11-29", 0.8));  // next period
  EXPECT_TRUE(*ledger->MarkAlerted("environment:prod", "2026-11-28", 0.9));  // other threshold
  EXPECT_TRUE(*ledger->MarkAlerted("token:prod:tok_a", "2026-11-28", 0.8));  // other scope
}

TEST_F(LedgerTest, ConcurrentRecordsAreAllCounted) {
  auto ledger = OpenOrDie();
  ASSERT_NE(ledger, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(
            ledger->Record(Entry(At(2026, 11, 28), "tok_" + std::to_string(t % 2), "m", 0.001))
                .ok());
        EXPECT_TRUE(ledger->Spent({"prod", std::nullopt}, Period::kDay, At(2026, 11, 28)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto rows = ledger->Series("2026-11-28", "2026-11-28");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].requests, kThreads * kPerThread);
  EXPECT_EQ(SpentOrDie(*ledger, {"prod", std::nullopt}, Period::kDay, At(2026, 11, 28)),
            ToUsd(NanoUsd{kThreads} * kPerThread * ToNanoUsd(0.001)));
}

TEST_F(LedgerTest, OpeningInAMissingDirectoryFailsWithoutThePath) {
  auto ledger = Ledger::Open(dir_ / "missing" / "ledger.db");
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(ledger.error().message, ::testing::Not(::testing::HasSubstr("missing")));
}

}  // namespace
}  // namespace recipe_rag::cost
