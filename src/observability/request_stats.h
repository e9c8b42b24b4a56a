// RequestStats: the series behind the latency, quality and cost dashboards and GET /v1/stats.
//
// Requests and LLM calls are added up per UTC minute: counts, errors (5xx), client errors
// (4xx), timeouts (504), degraded answers, a fixed-bucket latency histogram (so percentiles of
// any window are exact to the bucket), LLM calls with their tokens, spend and time to first
// token. Minutes older than the retention (31 days) are dropped; memory is bounded by it.
// Kept in memory: spend over days and months, which must survive restarts, comes from the
// ledger; these series restart empty with the process.
//
// Thread-safe; Record* take one short lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace recipe_rag::observability {

class RequestStats {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::chrono::hours kRetention{24 * 31};

  RequestStats();

  void RecordRequest(Clock::time_point at, int status, double seconds);
  void RecordLlmCall(Clock::time_point at, double seconds, std::optional<double> ttft_seconds,
                     std::int64_t input_tokens, std::int64_t output_tokens, double cost_usd,
                     bool ok);
  void RecordDegraded(Clock::time_point at);

  // The series of `window` ("15m", "1h", "6h", "24h", "7d", "30d") ending at `now`, in steps
  // of 1 min, 1 min, 5 min, 15 min, 1 h and 6 h: {"window", "step_seconds", "from", "to",
  // "series": [{"t", "requests", "errors", "client_errors", "timeouts", "degraded",
  // "p50_ms", "p95_ms", "p99_ms", "llm_calls", "llm_errors", "llm_p95_ms", "ttft_p50_ms",
  // "input_tokens", "output_tokens", "spend_usd", "cost_per_query_usd"}], "totals": {…the same
  // over the whole window…}}. Percentiles are null without data. InvalidArgument naming the
  // accepted windows for anything else.
  core::Result<nlohmann::json> Query(std::string_view window, Clock::time_point now) const;

 private:
  struct Minute {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t client_errors = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t degraded = 0;
    std::vector<std::uint32_t> latency;  // per bucket of bounds_ (+Inf last)
    std::uint64_t llm_calls = 0;
    std::uint64_t llm_errors = 0;
    std::vector<std::uint32_t> llm_latency;
    std::vector<std::uint32_t> ttft;
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    double spend_usd = 0;
  };
  Minute& At(Clock::time_point at);  // mu_ held
  void Add(const Minute& from, Minute* to) const;
  nlohmann::json Row(const Minute& m) const;

  const std::vector<double> bounds_;  // seconds
  mutable std::mutex mu_;
  std::map<std::int64_t, Minute> minutes_;  // by Unix minute
};

}  // namespace recipe_rag::observability
