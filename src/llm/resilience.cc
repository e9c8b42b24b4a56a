#include "llm/resilience.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "core/strings.h"

namespace recipe_rag::llm {
namespace {

constexpr Millis kMaxHint{60'000};

// A non-negative decimal number ("1.5", "30"); nullopt for anything else.
std::optional<double> Number(std::string_view text) {
  text = core::Trim(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

// An IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT") as a time point.
std::optional<std::chrono::system_clock::time_point> HttpDate(std::string_view text) {
  const std::string s(core::Trim(text));
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const time_t t = ::timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

std::optional<Millis> Sane(double ms) {
  if (!(ms > 0) || ms > static_cast<double>(kMaxHint.count())) return std::nullopt;
  return Millis(static_cast<Millis::rep>(std::ceil(ms)));
}

}  // namespace

bool IsRetryable(int http_status) {
  return http_status == 0 || http_status == 408 || http_status == 409 || http_status == 429 ||
         (http_status >= 500 && http_status <= 599);
}

std::optional<Millis> RetryHint(std::string_view retry_after_ms, std::string_view retry_after,
                                std::chrono::system_clock::time_point now) {
  if (const auto ms = Number(retry_after_ms)) {
    if (auto hint = Sane(*ms)) return hint;
  }
  if (const auto seconds = Number(retry_after)) return Sane(*seconds * 1000);
  if (const auto when = HttpDate(retry_after)) {
    return Sane(std::chrono::duration<double, std::milli>(*when - now).count());
  }
  return std::nullopt;
}

Millis RetryDelay(const RetryPolicy& policy, int retry, std::optional<Millis> hint,
                  std::mt19937_64& rng) {
  if (hint) return *hint;
  const int doublings = std::clamp(retry - 1, 0, 30);
  const double ceiling =
      std::min(static_cast<double>(policy.max_delay.count()),
               static_cast<double>(policy.base_delay.count()) * std::ldexp(1.0, doublings));
  std::uniform_real_distribution<double> jitter(0.0, std::max(0.0, ceiling));
  return Millis(static_cast<Millis::rep>(jitter(rng)));
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, OnChange on_change)
    : options_(options), on_change_(std::move(on_change)) {}

void CircuitBreaker::Move(State to) {
  if (state_ == to) return;
  const State from = state_;
  state_ = to;
  if (on_change_) on_change_(from, to);
}

bool CircuitBreaker::Allow(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (state_ == State::kOpen && now - opened_at_ >= options_.open_for) {
    probes_ = 0;
    Move(State::kHalfOpen);
  }
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      return false;
    case State::kHalfOpen:
      if (probes_ >= std::max(1, options_.half_open_probes)) return false;
      ++probes_;
      return true;
  }
  return false;
}

void CircuitBreaker::OnSuccess() {
  std::lock_guard lock(mu_);
  failures_ = 0;
  if (state_ == State::kHalfOpen) {
    probes_ = 0;
    Move(State::kClosed);
  }
}

void CircuitBreaker::OnFailure(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (state_ == State::kHalfOpen ||
      (state_ == State::kClosed && ++failures_ >= std::max(1, options_.failure_threshold))) {
    failures_ = 0;
    probes_ = 0;
    opened_at_ = now;
    Move(State::kOpen);
  }
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (state_ == State::kOpen && now - opened_at_ >= options_.open_for) return State::kHalfOpen;
  return state_;
}

std::string_view ToString(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

}  // namespace recipe_rag::llm
