#include "observability/request_stats.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace recipe_rag::observability {
namespace {

using Clock = RequestStats::Clock;

Clock::time_point At(int minutes_ago, Clock::time_point now) {
  return now - std::chrono::minutes(minutes_ago);
}

TEST(RequestStatsTest, TotalsAndSeriesOfAWindow) {
  RequestStats stats;
  const auto now = Clock::now();
  for (int i = 0; i < 90; ++i) stats.RecordRequest(At(1, now), 200, 0.010);  // 10 ms
  for (int i = 0; i < 10; ++i) stats.RecordRequest(At(2, now), 200, 1.5);    // slow
  stats.RecordRequest(At(3, now), 503, 0.002);
  stats.RecordRequest(At(3, now), 504, 30.0);
  stats.RecordRequest(At(3, now), 422, 0.001);
  stats.RecordRequest(At(120, now), 200, 0.010);  // outside 1h
  stats.RecordLlmCall(At(1, now), 0.8, 0.2, 1000, 50, 0.0003, true);
  stats.RecordLlmCall(At(1, now), 0.1, std::nullopt, 0, 0, 0, false);
  stats.RecordDegraded(At(1, now));
  auto out = stats.Query("1h", now);
  ASSERT_TRUE(out.ok());
  const auto& j = *out;
  EXPECT_EQ(j["series"].size(), 60u);
  const auto& t = j["totals"];
  EXPECT_EQ(t["requests"], 103);
  EXPECT_EQ(t["errors"], 2);
  EXPECT_EQ(t["client_errors"], 1);
  EXPECT_EQ(t["timeouts"], 1);
  EXPECT_EQ(t["degraded"], 1);
  EXPECT_EQ(t["llm_calls"], 2);
  EXPECT_EQ(t["llm_errors"], 1);
  EXPECT_EQ(t["input_tokens"], 1000);
  EXPECT_DOUBLE_EQ(t["spend_usd"].get<double>(), 0.0003);
  EXPECT_DOUBLE_EQ(t["cost_per_query_usd"].get<double>(), 0.00015);
  // p50 within the 10 ms bucket, p95 among the slow ones.
  EXPECT_LE(t["p50_ms"].get<double>(), 10.0);
  EXPECT_GE(t["p95_ms"].get<double>(), 1000.0);
  EXPECT_LE(t["p95_ms"].get<double>(), 2500.0);
  std::uint64_t sum = 0;
  for (const auto& row : j["series"]) sum += row["requests"].get<std::uint64_t>();
  EXPECT_EQ(sum, 103u);
  EXPECT_TRUE(j["series"][0]["p50_ms"].is_null());  // an empty minute
}

TEST(RequestStatsTest, WindowsAndSteps) {
  RequestStats stats;
  const auto now = Clock::now();
  stats.RecordRequest(At(60 * 24 * 20, now), 200, 0.01);
  for (const auto& [window, steps, step_s] :
       std::vector<std::tuple<std::string, std::size_t, int>>{{"15m", 15, 60},
                                                              {"1h", 60, 60},
                                                              {"6h", 72, 300},
                                                              {"24h", 96, 900},
                                                              {"7d", 168, 3600},
                                                              {"30d", 120, 21600}}) {
    auto out = stats.Query(window, now);
    ASSERT_TRUE(out.ok()) << window;
    EXPECT_EQ((*out)["series"].size(), steps) << window;
    EXPECT_EQ((*out)["step_seconds"], step_s) << window;
    EXPECT_EQ((*out)["totals"]["requests"], window == "30d" ? 1 : 0) << window;
  }
  auto bad = stats.Query("1y", now);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().param, "window");
}

TEST(RequestStatsTest, OldMinutesAreDropped) {
  RequestStats stats;
  const auto now = Clock::now();
  stats.RecordRequest(now - RequestStats::kRetention - std::chrono::hours(1), 200, 0.01);
  stats.RecordRequest(now, 200, 0.01);  // recording prunes what is past the retention
  auto out = stats.Query("30d", now);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)["totals"]["requests"], 1);
}

}  // namespace
}  // namespace recipe_rag::observability
