#include "cost/budget.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <latch>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::cost {
namespace {

using std::chrono::system_clock;
using ::testing::HasSubstr;
using ::testing::Not;

system_clock::time_point At(int y, unsigned m, unsigned d, int hour = 12) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
         std::chrono::hours(hour);
}

// A clock the test moves by hand; safe to read from many threads.
class FakeClock {
 public:
  explicit FakeClock(system_clock::time_point t) : ns_(t.time_since_epoch().count()) {}
  void Set(system_clock::time_point t) { ns_.store(t.time_since_epoch().count()); }
  Budgets::Clock Fn() {
    return [this] { return system_clock::time_point(system_clock::duration(ns_.load())); };
  }

 private:
  std::atomic<system_clock::rep> ns_;
};

const Usage kUsage{1000, 200, 100};

class BudgetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "budget_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    OpenLedger();
  }
  void TearDown() override {
    budgets_.reset();
    ledger_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void OpenLedger() {
    auto ledger = Ledger::Open(dir_ / "ledger.db");
    ASSERT_TRUE(ledger.ok()) << ledger.error().message;
    ledger_ = std::move(ledger).value();
  }

  void Create(BudgetConfig config) {
    auto budgets = Budgets::Create(std::move(config), *ledger_, clock_.Fn());
    ASSERT_TRUE(budgets.ok()) << budgets.error().message;
    budgets_ = std::move(budgets).value();
  }

  // Closes and reopens the ledger and the budgets, as a restart would.
  void Restart(BudgetConfig config) {
    budgets_.reset();
    ledger_.reset();
    OpenLedger();
    Create(std::move(config));
  }

  static BudgetConfig EnvironmentDaily(double daily, double monthly = 0) {
    BudgetConfig config;
    config.environment = "prod";
    config.environment_limits = {daily, monthly};
    return config;
  }

  // Spends `usd` through a reservation of the same amount.
  std::vector<BudgetAlert> Spend(std::string_view token, double usd) {
    auto r = budgets_->Reserve(token, usd);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    Settlement s = budgets_->Settle(std::move(r).value(), "gpt-4o-mini", kUsage, usd);
    EXPECT_TRUE(s.recorded.ok());
    return s.alerts;
  }

  std::optional<BudgetStatus> Status(const std::string& scope, const std::string& period) const {
    for (auto& s : budgets_->Snapshot()) {
      if (s.scope == scope && s.period == period) return s;
    }
    return std::nullopt;
  }

  double LedgerSpent(Period period, std::optional<std::string> token = std::nullopt) const {
    auto spent = ledger_->Spent({"prod", std::move(token)}, period, clock_.Fn()());
    EXPECT_TRUE(spent.ok());
    return spent.ok() ? *spent : -1;
  }

  std::filesystem::path dir_;
  system_clock::time_point now_ = At(2026, 11, 28);
  mutable FakeClock clock_{now_};
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Budgets> budgets_;
};

TEST_F(BudgetsTest, ConcurrentReservationsFillANearlySpentBudgetExactly) {
  ASSERT_TRUE(ledger_->Record({now_, "prod", "tok_old", "gpt-4o", kUsage, 0.9}).ok());
  Create(EnvironmentDaily(1.0));

  constexpr int kThreads = 64;
  std::latch all_tried(kThreads);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = budgets_->Reserve("tok_" + std::to_string(i), 0.003);
      if (r.ok()) ++granted;
      all_tried.arrive_and_wait();  // every reservation is held while the others are tried
      if (r.ok()) {
        Settlement s = budgets_->Settle(std::move(r).value(), "gpt-4o-mini", kUsage, 0.003);
        EXPECT_TRUE(s.recorded.ok());
      } else {
        EXPECT_EQ(r.error().code, core::ErrorCode::kResourceExhausted);
      }
    });
  }
  for (auto& t : threads) t.join();

  // 0.1 of room holds exactly 33 reservations of 0.003.
  EXPECT_EQ(granted.load(), 33);
  const double spent = LedgerSpent(Period::kDay);
  EXPECT_LE(spent, 1.0);
  EXPECT_EQ(ToNanoUsd(spent), ToNanoUsd(0.9) + 33 * ToNanoUsd(0.003));
  const auto status = Status("environment prod", "daily");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->reserved_usd, 0.0);
  EXPECT_EQ(ToNanoUsd(status->spent_usd), ToNanoUsd(spent));
}

TEST_F(BudgetsTest, ChurnNeverLetsSpentPlusReservedExceedAnyLimit) {
  BudgetConfig config = EnvironmentDaily(2.0, 3.0);
  config.token_limits["tok_0"] = {0.5, 0};
  config.token_limits["tok_1"] = {0, 0.7};
  ASSERT_TRUE(ledger_->Record({now_, "prod", "tok_0", "gpt-4o", kUsage, 0.3}).ok());
  Create(config);

  constexpr int kThreads = 64;
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0};
  std::thread monitor([&] {
    while (!stop.load()) {
      for (const auto& s : budgets_->Snapshot()) {
        if (s.limit_usd > 0 &&
            ToNanoUsd(s.spent_usd) + ToNanoUsd(s.reserved_usd) > ToNanoUsd(s.limit_usd)) {
          ++violations;
        }
      }
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937 rng(static_cast<unsigned>(i));
      std::uniform_real_distribution<double> worst(0.001, 0.05);
      std::uniform_real_distribution<double> share(0.0, 1.0);
      const std::string token = "tok_" + std::to_string(i % 4);
      for (int n = 0; n < 60; ++n) {
        const double w = worst(rng);
        auto r = budgets_->Reserve(token, w);
        if (!r.ok()) continue;
        if (n % 5 == 0) continue;              // the call failed: the reservation is dropped
        const double actual = w * share(rng);  // never more than reserved
        EXPECT_TRUE(budgets_->Settle(std::move(r).value(), "m", kUsage, actual).recorded.ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  monitor.join();

  EXPECT_EQ(violations.load(), 0);
  EXPECT_LE(LedgerSpent(Period::kDay), 2.0);
  EXPECT_LE(LedgerSpent(Period::kMonth), 3.0);
  EXPECT_LE(LedgerSpent(Period::kDay, "tok_0"), 0.5);
  EXPECT_LE(LedgerSpent(Period::kMonth, "tok_1"), 0.7);
  for (const auto& s : budgets_->Snapshot()) {
    EXPECT_EQ(s.reserved_usd, 0.0) << s.scope << " " << s.period;
  }
  // The budget was actually used, not refused throughout.
  EXPECT_GT(LedgerSpent(Period::kDay), 1.0);
}

TEST_F(BudgetsTest, AReservationDroppedWithoutSettleFreesItsRoom) {
  Create(EnvironmentDaily(1.0));
  {
    auto first = budgets_->Reserve("tok_a", 0.6);
    ASSERT_TRUE(first.ok());
    EXPECT_DOUBLE_EQ(first->amount_usd(), 0.6);
    EXPECT_EQ(first->token_id(), "tok_a");
    EXPECT_FALSE(budgets_->Reserve("tok_b", 0.6).ok());
    Reservation moved = std::move(first).value();  // moving does not release twice
    EXPECT_FALSE(budgets_->Reserve("tok_b", 0.6).ok());
    EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->reserved_usd, 0.6);
  }
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->reserved_usd, 0.0);
  auto again = budgets_->Reserve("tok_b", 0.6);
  ASSERT_TRUE(again.ok());
  // Assigning over a held reservation releases it.
  again.value() = std::move(budgets_->Reserve("tok_c", 0.3).value());
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->reserved_usd, 0.3);
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->spent_usd, 0.0);
  EXPECT_DOUBLE_EQ(LedgerSpent(Period::kDay), 0.0);
}

TEST_F(BudgetsTest, ACallCostingMoreThanReservedCountsInFull) {
  Create(EnvironmentDaily(1.0));
  auto r = budgets_->Reserve("tok_a", 0.1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(budgets_->Settle(std::move(r).value(), "m", kUsage, 0.5).recorded.ok());
  const auto status = Status("environment prod", "daily");
  EXPECT_DOUBLE_EQ(status->spent_usd, 0.5);
  EXPECT_DOUBLE_EQ(status->reserved_usd, 0.0);
  EXPECT_DOUBLE_EQ(status->ratio, 0.5);
  EXPECT_DOUBLE_EQ(LedgerSpent(Period::kDay), 0.5);
  auto rows = ledger_->Series("2026-11-28", "2026-11-28");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].model, "m");
  EXPECT_EQ((*rows)[0].input_tokens, kUsage.input_tokens);
  EXPECT_EQ((*rows)[0].cached_input_tokens, kUsage.cached_input_tokens);
  EXPECT_EQ((*rows)[0].output_tokens, kUsage.output_tokens);
}

TEST_F(BudgetsTest, AlertFiresOnceAtTheRatioAndNotAgainAfterRestart) {
  const BudgetConfig config = EnvironmentDaily(10.0);
  Create(config);
  EXPECT_TRUE(Spend("tok_a", 7.9).empty());
  const auto alerts = Spend("tok_a", 0.1);  // 8.0 of 10: 80%
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].scope, "environment prod");
  EXPECT_EQ(alerts[0].period, "daily");
  EXPECT_EQ(alerts[0].period_key, "2026-11-28");
  EXPECT_DOUBLE_EQ(alerts[0].limit_usd, 10.0);
  EXPECT_DOUBLE_EQ(alerts[0].spent_usd, 8.0);
  EXPECT_DOUBLE_EQ(alerts[0].ratio, 0.8);
  EXPECT_TRUE(Spend("tok_a", 1.0).empty());

  Restart(config);
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->spent_usd, 9.0);
  EXPECT_TRUE(Spend("tok_a", 0.5).empty());

  // The next day is a new period: the alert fires again, once.
  clock_.Set(At(2026, 11, 29, 9));
  EXPECT_TRUE(Spend("tok_a", 7.0).empty());
  const auto next = Spend("tok_a", 2.0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].period_key, "2026-11-29");
  EXPECT_TRUE(Spend("tok_a", 0.5).empty());
}

TEST_F(BudgetsTest, DailyAndMonthlyAlertsAreSeparate) {
  BudgetConfig config = EnvironmentDaily(10.0, 20.0);
  config.token_limits["tok_a"] = {5.0, 0};
  Create(config);
  const auto alerts = Spend("tok_a", 4.5);  // token daily 90%
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].scope, "token tok_a");
  clock_.Set(At(2026, 11, 29));
  const auto more = Spend("tok_b", 9.0);  // env daily 90%, env monthly 13.5/20 = 67%
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].period, "daily");
  clock_.Set(At(2026, 11, 30));
  const auto monthly = Spend("tok_b", 3.0);  // env monthly 16.5/20 = 82.5%
  ASSERT_EQ(monthly.size(), 1u);
  EXPECT_EQ(monthly[0].scope, "environment prod");
  EXPECT_EQ(monthly[0].period, "monthly");
  EXPECT_EQ(monthly[0].period_key, "2026-11");
}

TEST_F(BudgetsTest, DayRolloverResetsDailyButNotMonthly) {
  clock_.Set(At(2026, 11, 29, 23));
  Create(EnvironmentDaily(1.0, 1.5));
  Spend("tok_a", 0.9);
  auto refused = budgets_->Reserve("tok_a", 0.2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kResourceExhausted);
  EXPECT_THAT(refused.error().message, HasSubstr("daily budget for environment prod"));
  ASSERT_TRUE(refused.error().retry_after.has_value());
  EXPECT_EQ(*refused.error().retry_after, std::chrono::hours(1));  // until UTC midnight

  clock_.Set(At(2026, 11, 30, 0));
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->spent_usd, 0.0);
  EXPECT_DOUBLE_EQ(Status("environment prod", "monthly")->spent_usd, 0.9);
  Spend("tok_a", 0.2);
  auto monthly = budgets_->Reserve("tok_a", 0.5);  // daily has room, the month has not
  ASSERT_FALSE(monthly.ok());
  EXPECT_THAT(monthly.error().message, HasSubstr("monthly budget for environment prod"));
  EXPECT_EQ(*monthly.error().retry_after, std::chrono::hours(24));  // until December

  clock_.Set(At(2026, 12, 1, 0));
  EXPECT_TRUE(budgets_->Reserve("tok_a", 0.5).ok());
  EXPECT_EQ(Status("environment prod", "monthly")->period_key, "2026-12");
}

TEST_F(BudgetsTest, ARefusalCausedByCallsInFlightSuggestsRetryingSoon) {
  Create(EnvironmentDaily(1.0));
  auto held = budgets_->Reserve("tok_a", 0.8);
  ASSERT_TRUE(held.ok());
  auto refused = budgets_->Reserve("tok_b", 0.5);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(*refused.error().retry_after, std::chrono::seconds(1));
}

TEST_F(BudgetsTest, TokenLimitsAreIndependentOfTheEnvironmentLimits) {
  BudgetConfig config = EnvironmentDaily(10.0);
  config.token_limits["tok_a"] = {1.0, 0};
  Create(config);
  Spend("tok_a", 0.8);
  auto refused = budgets_->Reserve("tok_a", 0.3);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("daily budget for token tok_a"));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("0.8")));
  // Another token is not held back by tok_a's limit...
  auto other = budgets_->Reserve("tok_b", 0.3);
  ASSERT_TRUE(other.ok());
  // ...only by the environment's, and the refusal names no other token.
  auto too_much = budgets_->Reserve("tok_b", 9.0);
  ASSERT_FALSE(too_much.ok());
  EXPECT_THAT(too_much.error().message, HasSubstr("daily budget for environment prod"));
  EXPECT_THAT(too_much.error().message, Not(HasSubstr("tok_a")));
  // tok_a's spend counts against the environment.
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->spent_usd, 0.8);
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->reserved_usd, 0.3);
  EXPECT_DOUBLE_EQ(Status("token tok_a", "daily")->spent_usd, 0.8);
  EXPECT_FALSE(Status("token tok_a", "monthly").has_value());  // no monthly limit
}

TEST_F(BudgetsTest, SpendSurvivesRestart) {
  BudgetConfig config = EnvironmentDaily(0, 10.0);
  config.token_limits["tok_a"] = {2.0, 0};
  Create(config);
  Spend("tok_a", 1.5);
  Spend("tok_b", 6.0);
  clock_.Set(At(2026, 11, 29));
  Restart(config);
  EXPECT_DOUBLE_EQ(Status("environment prod", "monthly")->spent_usd, 7.5);
  EXPECT_DOUBLE_EQ(Status("environment prod", "daily")->spent_usd, 0.0);
  EXPECT_DOUBLE_EQ(Status("token tok_a", "daily")->spent_usd, 0.0);
  EXPECT_FALSE(budgets_->Reserve("tok_b", 2.6).ok());
  EXPECT_TRUE(budgets_->Reserve("tok_b", 2.5).ok());
}

TEST_F(BudgetsTest, NoLimitsMeansEverythingIsAllowedButStillRecorded) {
  Create(EnvironmentDaily(0, 0));
  EXPECT_TRUE(Spend("tok_a", 1e6).empty());
  EXPECT_DOUBLE_EQ(LedgerSpent(Period::kDay), 1e6);
  const auto status = Status("environment prod", "daily");
  ASSERT_TRUE(status.has_value());
  EXPECT_DOUBLE_EQ(status->limit_usd, 0.0);
  EXPECT_DOUBLE_EQ(status->ratio, 0.0);
}

TEST_F(BudgetsTest, BadAmountsAndConfigAreRefused) {
  Create(EnvironmentDaily(1.0));
  EXPECT_EQ(budgets_->Reserve("tok_a", -1).error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(budgets_->Reserve("tok_a", std::nan("")).error().code,
            core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(budgets_->Reserve("tok_a", 1e300).ok());  // refused, not wrapped round

  BudgetConfig bad;
  bad.environment_limits.daily_usd = -1;
  bad.token_limits["tok_a"].monthly_usd = std::nan("");
  bad.alert_ratio = 0;
  auto created = Budgets::Create(bad, *ledger_, clock_.Fn());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(created.error().message, HasSubstr("environment: must not be empty"));
  EXPECT_THAT(created.error().message, HasSubstr("environment_limits.daily_usd"));
  EXPECT_THAT(created.error().message, HasSubstr("token_limits.tok_a.monthly_usd"));
  EXPECT_THAT(created.error().message, HasSubstr("alert_ratio"));
}

}  // namespace
}  // namespace recipe_rag::cost
