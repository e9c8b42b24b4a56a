#include "observability/metrics.h"

#include <gtest/gtest.h>

namespace recipe_rag::observability {
namespace {

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
}

TEST(MetricsTest, SeriesAreBounded) {
  Metrics metrics;
  auto& f = metrics.Counter("rr_y_total", "Y.", {"k"});
  for (std::size_t i = 0; i < Family::kMaxSeries + 50; ++i) f.With({std::to_string(i)}).Add();
  EXPECT_EQ(f.With({"other"}).value(), 50);
}

}  // namespace
}  // namespace recipe_rag::observability
