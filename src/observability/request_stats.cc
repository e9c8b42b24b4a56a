#include "observability/request_stats.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "observability/metrics.h"

namespace recipe_rag::observability {
namespace {

using nlohmann::json;

std::int64_t UnixMinute(RequestStats::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

std::string Iso(std::int64_t unix_minute) {
  const std::time_t secs = static_cast<std::time_t>(unix_minute * 60);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Window {
  const char* name;
  int minutes;
  int step_minutes;
};
constexpr Window kWindows[] = {{"15m", 15, 1},    {"1h", 60, 1},     {"6h", 360, 5},
                               {"24h", 1440, 15}, {"7d", 10080, 60}, {"30d", 43200, 360}};

void Observe(std::vector<std::uint32_t>& buckets, const std::vector<double>& bounds, double v) {
  if (buckets.empty()) buckets.assign(bounds.size() + 1, 0);
  const auto i = std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin();
  ++buckets[static_cast<std::size_t>(i)];
}

void Merge(const std::vector<std::uint32_t>& from, std::vector<std::uint32_t>& to) {
  if (from.empty()) return;
  if (to.empty()) to.assign(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
}

// Milliseconds at quantile q, or null.
json Percentile(const std::vector<std::uint32_t>& buckets, const std::vector<double>& bounds,
                double q) {
  if (buckets.empty()) return nullptr;
  HistogramSnapshot h;
  h.upper_bounds = bounds;
  h.counts.assign(buckets.begin(), buckets.end());
  for (auto c : buckets) h.count += c;
  const double v = h.Quantile(q);
  if (std::isnan(v)) return nullptr;
  return std::round(v * 1000.0 * 10.0) / 10.0;
}

}  // namespace

RequestStats::RequestStats() : bounds_(DefaultLatencyBuckets()) {}

RequestStats::Minute& RequestStats::At(Clock::time_point at) {
  const auto minute = UnixMinute(at);
  const auto oldest = minute - std::chrono::duration_cast<std::chrono::minutes>(kRetention).count();
  while (!minutes_.empty() && minutes_.begin()->first < oldest) minutes_.erase(minutes_.begin());
  return minutes_[minute];
}

void RequestStats::RecordRequest(Clock::time_point at, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto& m = At(at);
  ++m.requests;
  if (status >= 500) ++m.errors;
  if (status >= 400 && status < 500) ++m.client_errors;
  if (status == 504) ++m.timeouts;
  Observe(m.latency, bounds_, seconds);
}

void RequestStats::RecordLlmCall(Clock::time_point at, double seconds,
                                 std::optional<double> ttft_seconds, std::int64_t input_tokens,
                                 std::int64_t output_tokens, double cost_usd, bool ok) {
  std::lock_guard lock(mu_);
  auto& m = At(at);
  ++m.llm_calls;
  if (!ok) ++m.llm_errors;
  Observe(m.llm_latency, bounds_, seconds);
  if (ttft_seconds) Observe(m.ttft, bounds_, *ttft_seconds);
  m.input_tokens += input_tokens;
  m.output_tokens += output_tokens;
  m.spend_usd += cost_usd;
}

void RequestStats::RecordDegraded(Clock::time_point at) {
  std::lock_guard lock(mu_);
  ++At(at).degraded;
}

void RequestStats::Add(const Minute& from, Minute* to) const {
  to->requests += from.requests;
  to->errors += from.errors;
  to->client_errors += from.client_errors;
  to->timeouts += from.timeouts;
  to->degraded += from.degraded;
  Merge(from.latency, to->latency);
  to->llm_calls += from.llm_calls;
  to->llm_errors += from.llm_errors;
  Merge(from.llm_latency, to->llm_latency);
  Merge(from.ttft, to->ttft);
  to->input_tokens += from.input_tokens;
  to->output_tokens += from.output_tokens;
  to->spend_usd += from.spend_usd;
}

json RequestStats::Row(const Minute& m) const {
  return {{"requests", m.requests},
          {"errors", m.errors},
          {"client_errors", m.client_errors},
          {"timeouts", m.timeouts},
          {"degraded", m.degraded},
          {"p50_ms", Percentile(m.latency, bounds_, 0.50)},
          {"p95_ms", Percentile(m.latency, bounds_, 0.95)},
          {"p99_ms", Percentile(m.latency, bounds_, 0.99)},
          {"llm_calls", m.llm_calls},
          {"llm_errors", m.llm_errors},
          {"llm_p95_ms", Percentile(m.llm_latency, bounds_, 0.95)},
          {"ttft_p50_ms", Percentile(m.ttft, bounds_, 0.50)},
          {"input_tokens", m.input_tokens},
          {"output_tokens", m.output_tokens},
          {"spend_usd", m.spend_usd},
          {"cost_per_query_usd",
           m.llm_calls > 0 ? json(m.spend_usd / static_cast<double>(m.llm_calls)) : json(nullptr)}};
}

core::Result<json> RequestStats::Query(std::string_view window, Clock::time_point now) const {
  const Window* w = nullptr;
  for (const auto& candidate : kWindows) {
    if (window == candidate.name) w = &candidate;
  }
  if (w == nullptr) {
    return core::Error::InvalidArgument("window must be one of 15m, 1h, 6h, 24h, 7d, 30d",
                                        "window");
  }
  const std::int64_t end = UnixMinute(now) + 1;  // exclusive; the current minute included
  const std::int64_t start = end - w->minutes;
  const std::int64_t steps = w->minutes / w->step_minutes;
  std::vector<Minute> buckets(static_cast<std::size_t>(steps));
  Minute total;
  {
    std::lock_guard lock(mu_);
    for (auto it = minutes_.lower_bound(start); it != minutes_.end() && it->first < end; ++it) {
      const auto step = (it->first - start) / w->step_minutes;
      Add(it->second, &buckets[static_cast<std::size_t>(step)]);
      Add(it->second, &total);
    }
  }
  json series = json::array();
  for (std::int64_t i = 0; i < steps; ++i) {
    json row = Row(buckets[static_cast<std::size_t>(i)]);
    row["t"] = Iso(start + i * w->step_minutes);
    series.push_back(std::move(row));
  }
  return json{{"window", w->name}, {"step_seconds", w->step_minutes * 60}, {"from", Iso(start)},
              {"to", Iso(end)},    {"series", std::move(series)},          {"totals", Row(total)}};
}

}  // namespace recipe_rag::observability
