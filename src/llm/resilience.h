// Resilience for calls to an LLM provider: which failures to retry, how long to wait before
// the next attempt, and a circuit breaker per provider.
//
// Retries follow what OpenAI's own clients do: connection errors, 408, 409, 429 and 5xx are
// retried; the wait is the server's hint when it gives a sane one (`retry-after-ms`, else
// `retry-after` in seconds or as an HTTP date, if within 0–60 s), otherwise exponential
// backoff with full jitter — uniform in [0, min(max_delay, base × 2^(retry−1))]. The caller
// bounds the whole by attempts and by an overall deadline (RetryPolicy).
//
// The breaker counts consecutive failures: at `failure_threshold` it opens and refuses calls
// for `open_for`; then it half-opens and lets `half_open_probes` calls through at a time; a
// probe's success closes it, a failure opens it again. Time is passed in, so tests drive it.
// CircuitBreaker is thread-safe; the functions are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

namespace recipe_rag::llm {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
  int max_attempts = 3;     // attempts in all, the first included
  Millis base_delay{250};   // the first retry's backoff ceiling
  Millis max_delay{8'000};  // no backoff waits longer
  Millis deadline{30'000};  // from the first attempt: no retry starts past it
};

// Whether a failed attempt may be retried. `http_status` 0 means the connection failed
// (refused, reset, timed out) before a status arrived.
bool IsRetryable(int http_status);

// The server's wait hint from the `retry-after-ms` and `retry-after` header values (empty
// when absent), if it is one to honour (more than 0, at most 60 s). `now` is for HTTP dates.
std::optional<Millis> RetryHint(std::string_view retry_after_ms, std::string_view retry_after,
                                std::chrono::system_clock::time_point now);

// The wait before retry number `retry` (1 for the first retry): the hint when there is one,
// else full-jitter backoff drawn from `rng`.
Millis RetryDelay(const RetryPolicy& policy, int retry, std::optional<Millis> hint,
                  std::mt19937_64& rng);

struct BreakerOptions {
  int failure_threshold = 5;  // consecutive failures that open the breaker
  Millis open_for{30'000};    // how long it refuses calls before probing
  int half_open_probes = 1;   // calls let through at a time while half-open
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  using Clock = std::chrono::steady_clock;
  using OnChange = std::function<void(State from, State to)>;

  // `on_change` (optional) is called on every state change, under the breaker's lock: it must
  // not call back into the breaker.
  explicit CircuitBreaker(BreakerOptions options, OnChange on_change = {});

  // Whether a call may start now. Every allowed call must end in OnSuccess or OnFailure.
  bool Allow(Clock::time_point now);
  void OnSuccess();
  void OnFailure(Clock::time_point now);
  State state(Clock::time_point now);

 private:
  void Move(State to);

  const BreakerOptions options_;
  const OnChange on_change_;
  std::mutex mu_;
  State state_ = State::kClosed;
  int failures_ = 0;               // consecutive, while closed
  int probes_ = 0;                 // in flight, while half-open
  Clock::time_point opened_at_{};  // when it last opened
};

std::string_view ToString(CircuitBreaker::State state);

}  // namespace recipe_rag::llm
