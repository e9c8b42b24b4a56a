#include "observability/metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/run_command.h"

namespace recipe_rag::observability {
namespace {

using test_support::CommandResult;
using test_support::RunShell;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
}

TEST(MetricsTest, ExposesCountersAndGaugesInTextFormat) {
  Metrics metrics;
  auto& retries = metrics.Counter("rr_retries_total", "Retries.", {"provider", "reason"});
  retries.With({"openai", "429"}).Add();
  retries.With({"openai", "429"}).Add(2);
  retries.With({"openai", "say \"hi\"\n"}).Add();
  metrics.Gauge("rr_open", "Open.").With({}).Set(7);
  EXPECT_EQ(metrics.Expose(),
            "# HELP rr_retries_total Retries.\n"
            "# TYPE rr_retries_total counter\n"
            "rr_retries_total{provider=\"openai\",reason=\"429\"} 3\n"
            "rr_retries_total{provider=\"openai\",reason=\"say \\\"hi\\\"\\n\"} 1\n"
            "# HELP rr_open Open.\n"
            "# TYPE rr_open gauge\n"
            "rr_open 7\n");
}

TEST(MetricsTest, RegisteringTwiceReturnsTheSameFamily) {
  Metrics metrics;
  auto& a = metrics.Counter("rr_x_total", "X.", {"k"});
  auto& b = metrics.Counter("rr_x_total", "X.", {"k"});
  EXPECT_EQ(&a, &b);
  EXPECT_TRUE(metrics.Problems().empty());
}

TEST(MetricsTest, RegisteringAgainDifferentlyKeepsTheFirstAndReportsIt) {
  Metrics metrics;
  auto& a = metrics.Counter("rr_x_total", "X.", {"k"});
  auto& b = metrics.Gauge("rr_x_total", "X.", {"other_label"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.type(), MetricType::kCounter);
  ASSERT_EQ(metrics.Problems().size(), 1u);
  EXPECT_NE(metrics.Problems()[0].find("rr_x_total"), std::string::npos);
}

TEST(MetricsTest, SeriesAreBounded) {
  Metrics metrics;
  auto& f = metrics.Counter("rr_y_total", "Y.", {"k"});
  for (std::size_t i = 0; i < Family::kMaxSeries + 50; ++i) f.With({std::to_string(i)}).Add();
  EXPECT_EQ(f.With({"other"}).value(), 50);
  EXPECT_EQ(metrics.Snapshot()[0].series.size(), Family::kMaxSeries + 1);
}

TEST(MetricsTest, CountersAndGaugesTakeFractionalValues) {
  Metrics metrics;
  auto& cost = metrics.Counter("rr_llm_cost_usd_total", "Cost.", {"model"}).With({"gpt-4o"});
  cost.Add(0.125);
  cost.Add(0.25);
  cost.Add(2);
  EXPECT_EQ(cost.value(), 2.375);
  metrics.Gauge("rr_ratio", "Ratio.").With({}).Set(0.1);
  metrics.Gauge("rr_whole", "Whole.").With({}).Set(-3.0);
  metrics.Gauge("rr_big", "Big.").With({}).Set(1e20);
  metrics.Gauge("rr_nan", "NaN.").With({}).Set(std::nan(""));
  metrics.Gauge("rr_inf", "Inf.").With({}).Set(-HUGE_VAL);
  const std::string text = metrics.Expose();
  EXPECT_NE(text.find("rr_llm_cost_usd_total{model=\"gpt-4o\"} 2.375\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("rr_ratio 0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rr_whole -3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rr_big 1e+20\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rr_nan NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rr_inf -Inf\n"), std::string::npos) << text;
}

TEST(MetricsTest, FractionalValuesRoundTripExactly) {
  Metrics metrics;
  auto& g = metrics.Gauge("rr_g", "G.").With({});
  g.Set(0.1 + 0.2);  // 0.30000000000000004
  const std::string text = metrics.Expose();
  const std::string line = text.substr(text.find("\nrr_g ") + 6);
  EXPECT_EQ(std::stod(line), 0.1 + 0.2) << text;
}

TEST(MetricsTest, ConcurrentAddsAreNotLost) {
  Metrics metrics;
  auto& s = metrics.Counter("rr_c_total", "C.").With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s] {
      for (int i = 0; i < 20000; ++i) s.Add(0.5);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(s.value(), 40000);
}

TEST(MetricsTest, HelpIsEscaped) {
  Metrics metrics;
  metrics.Gauge("rr_h", "Back\\slash and\nnewline, \"quotes\" as is.").With({}).Set(1);
  EXPECT_EQ(metrics.Expose(),
            "# HELP rr_h Back\\\\slash and\\nnewline, \"quotes\" as is.\n"
            "# TYPE rr_h gauge\n"
            "rr_h 1\n");
}

TEST(MetricsTest, InvalidNamesAreNotExposedAndAreReported) {
  Metrics metrics;
  metrics.Counter("1starts_with_digit_total", "Bad.").With({}).Add();
  metrics.Counter("has-dash_total", "Bad.").With({}).Add();
  metrics.Counter("rr_bad_label_total", "Bad.", {"__reserved"}).With({"x"}).Add();
  metrics.Counter("rr_colon_label_total", "Bad.", {"a:b"}).With({"x"}).Add();
  metrics.Counter("rr_dup_label_total", "Bad.", {"a", "a"}).With({"x", "y"}).Add();
  metrics.Histogram("rr_le_seconds", "Bad.", {1}, {"le"}).WithHistogram({"x"}).Observe(1);
  metrics.Counter("rr:ok_total", "Good.", {"_ok1"}).With({"x"}).Add();
  EXPECT_EQ(metrics.Expose(),
            "# HELP rr:ok_total Good.\n"
            "# TYPE rr:ok_total counter\n"
            "rr:ok_total{_ok1=\"x\"} 1\n");
  EXPECT_EQ(metrics.Problems().size(), 6u);
  EXPECT_EQ(metrics.Snapshot().size(), 1u);
}

TEST(MetricsTest, NameRulesFollowPrometheus) {
  EXPECT_TRUE(Metrics::IsValidMetricName("a"));
  EXPECT_TRUE(Metrics::IsValidMetricName(":a_b:c9"));
  EXPECT_TRUE(Metrics::IsValidMetricName("_x"));
  EXPECT_FALSE(Metrics::IsValidMetricName(""));
  EXPECT_FALSE(Metrics::IsValidMetricName("9a"));
  EXPECT_FALSE(Metrics::IsValidMetricName("a.b"));
  EXPECT_FALSE(Metrics::IsValidMetricName("a b"));
  EXPECT_TRUE(Metrics::IsValidLabelName("provider"));
  EXPECT_TRUE(Metrics::IsValidLabelName("_x9"));
  EXPECT_FALSE(Metrics::IsValidLabelName("__name__"));
  EXPECT_FALSE(Metrics::IsValidLabelName("a:b"));
  EXPECT_FALSE(Metrics::IsValidLabelName("9a"));
  EXPECT_FALSE(Metrics::IsValidLabelName(""));
}

TEST(HistogramTest, ExposesCumulativeBucketsSumAndCount) {
  Metrics metrics;
  auto& h = metrics.Histogram("rr_duration_seconds", "Duration.", {0.25, 1, 2.5}, {"route"});
  auto& ask = h.WithHistogram({"/v1/ask"});
  ask.Observe(0.125);
  ask.Observe(0.25);  // On a bound: counted in that bucket (le is inclusive).
  ask.Observe(0.75);
  ask.Observe(30);
  EXPECT_EQ(metrics.Expose(),
            "# HELP rr_duration_seconds Duration.\n"
            "# TYPE rr_duration_seconds histogram\n"
            "rr_duration_seconds_bucket{route=\"/v1/ask\",le=\"0.25\"} 2\n"
            "rr_duration_seconds_bucket{route=\"/v1/ask\",le=\"1\"} 3\n"
            "rr_duration_seconds_bucket{route=\"/v1/ask\",le=\"2.5\"} 3\n"
            "rr_duration_seconds_bucket{route=\"/v1/ask\",le=\"+Inf\"} 4\n"
            "rr_duration_seconds_sum{route=\"/v1/ask\"} 31.125\n"
            "rr_duration_seconds_count{route=\"/v1/ask\"} 4\n");
}

TEST(HistogramTest, ExposesWithoutLabels) {
  Metrics metrics;
  auto& h = metrics.Histogram("rr_size_bytes", "Size.", {10, 100}).WithHistogram({});
  h.Observe(5);
  h.Observe(50);
  EXPECT_EQ(metrics.Expose(),
            "# HELP rr_size_bytes Size.\n"
            "# TYPE rr_size_bytes histogram\n"
            "rr_size_bytes_bucket{le=\"10\"} 1\n"
            "rr_size_bytes_bucket{le=\"100\"} 2\n"
            "rr_size_bytes_bucket{le=\"+Inf\"} 2\n"
            "rr_size_bytes_sum 55\n"
            "rr_size_bytes_count 2\n");
}

TEST(HistogramTest, BoundsAreSortedAndATrailingInfIsImplied) {
  Metrics metrics;
  auto& f = metrics.Histogram("rr_a_seconds", "A.", {5, 1, 1, HUGE_VAL});
  EXPECT_EQ(f.upper_bounds(), (std::vector<double>{1, 5}));
  EXPECT_TRUE(metrics.Problems().empty());
  auto& g = metrics.Histogram("rr_b_seconds", "B.", {1, std::nan(""), -HUGE_VAL});
  EXPECT_EQ(g.upper_bounds(), (std::vector<double>{1}));
  EXPECT_EQ(metrics.Problems().size(), 1u);
}

TEST(HistogramTest, NaNObservationsAreIgnored) {
  Metrics metrics;
  auto& h = metrics.Histogram("rr_n_seconds", "N.", {1}).WithHistogram({});
  h.Observe(std::nan(""));
  h.Observe(0.5);
  const HistogramSnapshot s = h.Read();
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.sum, 0.5);
}

TEST(HistogramTest, SeriesAreBoundedLikeOtherFamilies) {
  Metrics metrics;
  auto& f = metrics.Histogram("rr_h_seconds", "H.", {1}, {"k"});
  for (std::size_t i = 0; i < Family::kMaxSeries + 20; ++i) {
    f.WithHistogram({std::to_string(i)}).Observe(0.5);
  }
  EXPECT_EQ(f.WithHistogram({"other"}).Read().count, 20u);
  EXPECT_EQ(metrics.Snapshot()[0].series.size(), Family::kMaxSeries + 1);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Metrics metrics;
  auto& h = metrics.Histogram("rr_c_seconds", "C.", DefaultLatencyBuckets()).WithHistogram({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(0.25);
    });
  }
  for (auto& t : threads) t.join();
  const HistogramSnapshot s = h.Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.sum, 10000);
}

TEST(HistogramTest, QuantileInterpolatesInsideTheBucket) {
  HistogramSnapshot s;
  s.upper_bounds = {1, 2, 4};
  s.counts = {10, 10, 20, 0};
  s.count = 40;
  s.sum = 0;
  EXPECT_DOUBLE_EQ(s.Quantile(0.25), 1);     // rank 10: end of the first bucket.
  EXPECT_DOUBLE_EQ(s.Quantile(0.125), 0.5);  // rank 5: half-way through [0, 1].
  EXPECT_DOUBLE_EQ(s.Quantile(0.5), 2);      // rank 20.
  EXPECT_DOUBLE_EQ(s.Quantile(0.75), 3);     // rank 30: half-way through (2, 4].
  EXPECT_DOUBLE_EQ(s.Quantile(1), 4);
  EXPECT_DOUBLE_EQ(s.Quantile(7), 4);  // Clamped.
  EXPECT_DOUBLE_EQ(s.Quantile(0), 0);
}

TEST(HistogramTest, QuantileInTheInfBucketIsTheLargestBound) {
  HistogramSnapshot s;
  s.upper_bounds = {1, 2};
  s.counts = {1, 0, 9};
  s.count = 10;
  EXPECT_DOUBLE_EQ(s.Quantile(0.99), 2);
  EXPECT_DOUBLE_EQ(s.Quantile(0.05), 0.5);
}

TEST(HistogramTest, QuantileOfAnEmptyHistogramIsNaN) {
  Metrics metrics;
  auto& h = metrics.Histogram("rr_e_seconds", "E.", {1}).WithHistogram({});
  EXPECT_TRUE(std::isnan(h.Read().Quantile(0.5)));
}

TEST(HistogramTest, DefaultLatencyBucketsSpanOneMillisecondToThirtySeconds) {
  const std::vector<double> b = DefaultLatencyBuckets();
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(b.front(), 0.001);
  EXPECT_EQ(b.back(), 30);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_EQ(std::adjacent_find(b.begin(), b.end()), b.end());
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LE(b[i] / b[i - 1], 3.0) << b[i];
}

TEST(MetricsTest, SnapshotReportsFamiliesSeriesAndHistograms) {
  Metrics metrics;
  metrics.Counter("rr_req_total", "Requests.", {"route"}).With({"/a"}).Add(3);
  metrics.Gauge("rr_up", "Up.").With({}).Set(1);
  auto& h = metrics.Histogram("rr_lat_seconds", "Latency.", {0.5, 1}, {"route"});
  h.WithHistogram({"/a"}).Observe(0.25);
  h.WithHistogram({"/a"}).Observe(0.75);
  h.WithHistogram({"/a"}).Observe(2);

  const std::vector<FamilySnapshot> snap = metrics.Snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].name, "rr_req_total");
  EXPECT_EQ(snap[0].help, "Requests.");
  EXPECT_EQ(snap[0].type, MetricType::kCounter);
  EXPECT_EQ(snap[0].labels, std::vector<std::string>{"route"});
  ASSERT_EQ(snap[0].series.size(), 1u);
  EXPECT_EQ(snap[0].series[0].label_values, std::vector<std::string>{"/a"});
  EXPECT_EQ(snap[0].series[0].value, 3);
  EXPECT_EQ(snap[1].type, MetricType::kGauge);
  EXPECT_EQ(snap[1].series[0].value, 1);
  EXPECT_EQ(snap[2].type, MetricType::kHistogram);
  ASSERT_EQ(snap[2].series.size(), 1u);
  const HistogramSnapshot& hist = snap[2].series[0].histogram;
  EXPECT_EQ(hist.count, 3u);
  EXPECT_EQ(hist.sum, 3);
  EXPECT_EQ(hist.counts, (std::vector<std::uint64_t>{1, 1, 1}));
  EXPECT_DOUBLE_EQ(hist.Quantile(0.5), 0.75);  // rank 1.5: half-way through (0.5, 1].
}

// A representative exposition must pass promtool's parser and linter without a single remark.
TEST(MetricsTest, ExpositionPassesPromtoolCheckMetrics) {
  const CommandResult which = RunShell("command -v promtool");
  ASSERT_EQ(which.exit_code, 0)
      << "promtool not found on PATH: install Debian's 'prometheus' package (/usr/bin/promtool)";

  Metrics metrics;
  auto& attempts = metrics.Counter("recipe_rag_llm_attempts_total",
                                   "LLM upstream attempts by outcome.", {"provider", "outcome"});
  attempts.With({"openai", "ok"}).Add(41);
  attempts.With({"openai", "status \"429\"\nback\\slash"}).Add();
  metrics.Counter("recipe_rag_llm_cost_usd_total", "LLM spend in US dollars.", {"model"})
      .With({"gpt-4o-mini"})
      .Add(0.0123456789);
  metrics
      .Gauge("recipe_rag_llm_breaker_state", "Breaker: 0 closed, 1 half-open, 2 open.",
             {"provider"})
      .With({"openai"})
      .Set(2);
  metrics
      .Gauge("recipe_rag_build_info", "Build information; the value is always 1.",
             {"version", "commit"})
      .With({"1.2.3", "abc123"})
      .Set(1);
  metrics.Gauge("recipe_rag_index_ratio", "A \\ backslash and\na newline in help.")
      .With({})
      .Set(0.5);
  auto& latency = metrics.Histogram("recipe_rag_http_request_duration_seconds",
                                    "HTTP request latency.", DefaultLatencyBuckets(), {"route"});
  latency.WithHistogram({"/v1/ask"}).Observe(0.42);
  latency.WithHistogram({"/v1/ask"}).Observe(12);
  latency.WithHistogram({"/healthz"}).Observe(0.0004);
  metrics.Histogram("recipe_rag_llm_prompt_size_bytes", "Prompt size.", {1024, 4096, 16384})
      .WithHistogram({})
      .Observe(3000);
  metrics.Histogram("recipe_rag_empty_duration_seconds", "Never observed.", {1}, {"route"});
  auto& users =
      metrics.Counter("recipe_rag_requests_by_user_total", "Requests per user.", {"user"});
  for (std::size_t i = 0; i < Family::kMaxSeries + 5; ++i) {
    users.With({"user-" + std::to_string(i)}).Add();
  }
  auto& by_user = metrics.Histogram("recipe_rag_user_request_duration_seconds", "Latency per user.",
                                    {0.1, 1}, {"user"});
  for (std::size_t i = 0; i < Family::kMaxSeries + 5; ++i) {
    by_user.WithHistogram({"user-" + std::to_string(i)}).Observe(0.2);
  }
  ASSERT_TRUE(metrics.Problems().empty());
  const std::string text = metrics.Expose();
  ASSERT_NE(text.find("recipe_rag_requests_by_user_total{user=\"other\"} 5\n"), std::string::npos);
  ASSERT_NE(text.find("recipe_rag_user_request_duration_seconds_count{user=\"other\"} 5\n"),
            std::string::npos);
  ASSERT_NE(text.find("outcome=\"status \\\"429\\\"\\nback\\\\slash\""), std::string::npos);

  const std::string path = TempPath("metrics.prom");
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good());
  }
  const CommandResult check = RunShell("promtool check metrics < '" + path + "'");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << "promtool remarks:\n" << check.output;
  std::remove(path.c_str());
}

// The same check must be able to fail: a lint problem makes promtool complain.
TEST(MetricsTest, PromtoolCheckRejectsACounterWithoutTotalSuffix) {
  const CommandResult which = RunShell("command -v promtool");
  ASSERT_EQ(which.exit_code, 0)
      << "promtool not found on PATH: install Debian's 'prometheus' package (/usr/bin/promtool)";
  Metrics metrics;
  metrics.Counter("recipe_rag_requests", "Requests.").With({}).Add();
  const std::string path = TempPath("metrics_bad.prom");
  {
    std::ofstream out(path, std::ios::binary);
    out << metrics.Expose();
  }
  const CommandResult check = RunShell("promtool check metrics < '" + path + "'");
  EXPECT_NE(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("_total"), std::string::npos) << check.output;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace recipe_rag::observability
