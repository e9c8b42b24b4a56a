#include "llm/resilience.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recipe_rag::llm {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

TEST(RetryTest, RetriesConnectionErrorsTimeoutsConflictsLimitsAndServerErrors) {
  for (const int status : {0, 408, 409, 429, 500, 502, 503, 504, 599}) {
    EXPECT_TRUE(IsRetryable(status)) << status;
  }
  for (const int status : {200, 400, 401, 403, 404, 413, 422, 600}) {
    EXPECT_FALSE(IsRetryable(status)) << status;
  }
}

TEST(RetryTest, ServerHintsAreHonouredWhenSane) {
  const auto now = std::chrono::system_clock::from_time_t(1'445'412'480);  // 2015-10-21 07:28:00
  EXPECT_EQ(RetryHint("1500", "", now), 1500ms);
  EXPECT_EQ(RetryHint("20.2", "7", now), 21ms);  // retry-after-ms wins, rounded up
  EXPECT_EQ(RetryHint("", "2", now), 2000ms);
  EXPECT_EQ(RetryHint("", "0.5", now), 500ms);
  EXPECT_EQ(RetryHint("soon", "3", now), 3000ms);  // a bad ms value falls back
  EXPECT_EQ(RetryHint("", "Wed, 21 Oct 2015 07:28:05 GMT", now), 5000ms);
  // Not honoured: none, zero, negative, past, too far, garbage.
  for (const auto& [ms, after] :
       std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                        {"0", ""},
                                                        {"", "0"},
                                                        {"", "-1"},
                                                        {"", "61"},
                                                        {"90000", ""},
                                                        {"", "Wed, 21 Oct 2015 07:27:00 GMT"},
                                                        {"", "Wed, 21 Oct 2015 07:30:00 GMT"},
                                                        {"", "tomorrow"},
                                                        {"nan", "inf"}}) {
    EXPECT_FALSE(RetryHint(ms, after, now).has_value()) << "'" << ms << "' '" << after << "'";
  }
}

TEST(RetryTest, BackoffIsFullJitterUnderADoublingCeiling) {
  RetryPolicy policy;
  policy.base_delay = 100ms;
  policy.max_delay = 1000ms;
  std::mt19937_64 rng(42);
  EXPECT_EQ(RetryDelay(policy, 1, 1234ms, rng), 1234ms);
  for (int retry = 1; retry <= 7; ++retry) {
    const double ceiling = std::min(1000.0, 100.0 * (1 << (retry - 1)));
    double sum = 0;
    Millis low = Millis::max(), high = Millis::zero();
    constexpr int kDraws = 2000;
    for (int i = 0; i < kDraws; ++i) {
      const auto d = RetryDelay(policy, retry, std::nullopt, rng);
      ASSERT_GE(d, 0ms);
      ASSERT_LE(d.count(), ceiling) << "retry " << retry;
      low = std::min(low, d);
      high = std::max(high, d);
      sum += static_cast<double>(d.count());
    }
    // Spread over the whole range, centred on its middle.
    EXPECT_LT(low.count(), ceiling * 0.05) << "retry " << retry;
    EXPECT_GT(high.count(), ceiling * 0.95 - 1) << "retry " << retry;
    EXPECT_NEAR(sum / kDraws, ceiling / 2, ceiling * 0.05) << "retry " << retry;
  }
}

class BreakerTest : public ::testing::Test {
 protected:
  BreakerTest()
      : breaker_({.failure_threshold = 3, .open_for = 1000ms, .half_open_probes = 1},
                 [this](State from, State to) { changes_.emplace_back(from, to); }) {}

  CircuitBreaker::Clock::time_point At(int ms) const { return t0_ + Millis(ms); }

  const CircuitBreaker::Clock::time_point t0_ = CircuitBreaker::Clock::now();
  std::vector<std::pair<State, State>> changes_;
  CircuitBreaker breaker_;
};

TEST_F(BreakerTest, OpensAfterConsecutiveFailuresOnly) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker_.Allow(At(0)));
    breaker_.OnFailure(At(0));
  }
  ASSERT_TRUE(breaker_.Allow(At(0)));
  breaker_.OnSuccess();  // the run of failures is broken
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker_.Allow(At(0)));
    breaker_.OnFailure(At(0));
  }
  EXPECT_EQ(breaker_.state(At(0)), State::kClosed);
  ASSERT_TRUE(breaker_.Allow(At(0)));
  breaker_.OnFailure(At(10));
  EXPECT_EQ(breaker_.state(At(10)), State::kOpen);
  EXPECT_FALSE(breaker_.Allow(At(500)));
  EXPECT_FALSE(breaker_.Allow(At(1009)));
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(State::kClosed, State::kOpen));
}

TEST_F(BreakerTest, HalfOpensAfterTheWaitAndAProbeDecides) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(breaker_.Allow(At(0)));
    breaker_.OnFailure(At(0));
  }
  EXPECT_EQ(breaker_.state(At(1000)), State::kHalfOpen);
  ASSERT_TRUE(breaker_.Allow(At(1000)));   // the probe
  EXPECT_FALSE(breaker_.Allow(At(1001)));  // one probe at a time
  breaker_.OnFailure(At(1200));            // the probe failed: open again, for a full wait
  EXPECT_FALSE(breaker_.Allow(At(2100)));
  ASSERT_TRUE(breaker_.Allow(At(2200)));
  breaker_.OnSuccess();  // the probe succeeded: closed
  EXPECT_EQ(breaker_.state(At(2200)), State::kClosed);
  EXPECT_TRUE(breaker_.Allow(At(2201)));
  EXPECT_TRUE(breaker_.Allow(At(2201)));
  const std::vector<std::pair<State, State>> want{{State::kClosed, State::kOpen},
                                                  {State::kOpen, State::kHalfOpen},
                                                  {State::kHalfOpen, State::kOpen},
                                                  {State::kOpen, State::kHalfOpen},
                                                  {State::kHalfOpen, State::kClosed}};
  EXPECT_EQ(changes_, want);
  EXPECT_EQ(ToString(State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace recipe_rag::llm
