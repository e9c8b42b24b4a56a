#include "llm/openai_provider.h"

#include <atomic>
#include <chrono>

#include "core/strings.h"
#include "http/sse_parser.h"
#include "observability/logger.h"
#include "observability/metrics.h"

namespace recipe_rag::llm {
namespace {

using Clock = std::chrono::steady_clock;
using observability::LogLevel;
using observability::LogLine;

std::string_view HeaderValue(const std::vector<http::Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (core::EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

int StateNumber(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::kClosed:
      return 0;
    case CircuitBreaker::State::kHalfOpen:
      return 1;
    case CircuitBreaker::State::kOpen:
      return 2;
  }
  return 0;
}

// The upstream's own message from an OpenAI error body, cut short; "" when there is none.
std::string UpstreamMessage(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("error")) return {};
  const auto& e = json["error"];
  std::string message;
  if (e.is_object() && e.contains("message") && e["message"].is_string()) {
    message = e["message"].get<std::string>();
  } else if (e.is_string()) {
    message = e.get<std::string>();
  }
  if (message.size() > 300) message = std::string(core::Utf8Prefix(message, 300)) + "…";
  return message;
}

}  // namespace

core::Error UpstreamError(int status, std::string_view body, std::optional<Millis> hint) {
  const std::string prefix = "upstream answered HTTP " + std::to_string(status);
  if (status == 401 || status == 403) {
    return core::Error::Unavailable(prefix + ": it refused the configured API key",
                                    std::chrono::seconds(0));
  }
  const auto message = UpstreamMessage(body);
  const std::string text = message.empty() ? prefix : prefix + ": " + message;
  if (status == 429) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
        hint.value_or(Millis(1000)) + std::chrono::milliseconds(999));
    return core::Error::ResourceExhausted(text, secs);
  }
  if (status == 400 || status == 404 || status == 422) return core::Error::InvalidArgument(text);
  return core::Error::Unavailable(text, std::chrono::seconds(1));
}

// One logical call: attempts until one is relayed or the policy gives up.
class OpenAiProvider::ForwardCall : public http::Call,
                                    public std::enable_shared_from_this<ForwardCall> {
 public:
  ForwardCall(OpenAiProvider& provider, std::string path, std::string body, RawCallbacks callbacks,
              observability::SpanContext parent)
      : p_(provider),
        path_(std::move(path)),
        body_(std::move(body)),
        callbacks_(std::move(callbacks)),
        parent_(std::move(parent)),
        started_(Clock::now()) {}

  void Begin() {
    if (!p_.breaker_.Allow(Clock::now())) {
      Count("refused");
      Finish(core::Error::Unavailable("upstream circuit open: " + p_.options_.name +
                                          " failed repeatedly; not calling it for now",
                                      std::chrono::seconds(1)));
      return;
    }
    Attempt();
  }

  void Cancel() override { slot_.Cancel(); }

 private:
  void Count(const std::string& outcome) {
    p_.metrics_
        .Counter("recipe_rag_llm_attempts_total", "LLM upstream attempts by outcome.",
                 {"provider", "outcome"})
        .With({p_.options_.name, outcome})
        .Add();
  }

  void Attempt() {
    ++attempts_;
    accepting_ = false;
    retry_hint_.reset();
    status_ = 0;
    head_.clear();
    http::OutboundRequest request;
    request.method = "POST";
    request.target = path_;
    request.headers = p_.RequestHeaders();
    request.body = body_;
    span_ = observability::Span::Start(parent_, "llm.attempt", observability::SpanKind::kClient);
    span_.Set("llm.provider", p_.options_.name).Set("llm.attempt", attempts_);
    if (parent_) request.headers.push_back({"traceparent", span_.context().TraceParent()});
    auto self = shared_from_this();
    http::ResponseCallbacks cb;
    cb.on_head = [self](int status, const std::vector<http::Header>& headers) {
      self->OnHead(status, headers);
    };
    cb.on_body = [self](std::string_view piece) { self->OnBody(piece); };
    cb.on_done = [self](core::Status status) { self->OnDone(std::move(status)); };
    slot_.Track(p_.client_.Start(p_.options_.base, std::move(request), std::move(cb)));
  }

  void OnHead(int status, const std::vector<http::Header>& headers) {
    status_ = status;
    if (IsRetryable(status) && CanRetry()) {
      retry_hint_ =
          RetryHint(HeaderValue(headers, "retry-after-ms"), HeaderValue(headers, "retry-after"),
                    std::chrono::system_clock::now());
      return;  // the body is dropped; OnDone schedules the retry
    }
    // Held back until the first piece of body: a connection that breaks before any can still
    // be retried, as nothing was handed on.
    accepting_ = true;
    head_ = headers;
  }

  void OnBody(std::string_view piece) {
    if (!accepting_) return;
    RelayHead();
    if (callbacks_.on_body) callbacks_.on_body(piece);
  }

  void RelayHead() {
    if (relayed_) return;
    relayed_ = true;
    if (callbacks_.on_head) callbacks_.on_head(status_, head_);
  }

  // 429 is the upstream throttling us, not failing: it is retried but says nothing about the
  // upstream's health, so the breaker does not count it.
  void Verdict(bool failed) {
    if (status_ == 429) return;
    if (failed) {
      p_.breaker_.OnFailure(Clock::now());
    } else {
      p_.breaker_.OnSuccess();
    }
  }

  void EndSpan(const core::Status& result) {
    if (status_ > 0) span_.Set("http.response.status_code", status_);
    if (!result.ok()) {
      span_.Fail(result.error().message);
    } else if (status_ >= 400) {
      span_.Fail("upstream answered HTTP " + std::to_string(status_));
    }
    span_.End();
  }

  void OnDone(core::Status result) {
    EndSpan(result);
    const bool cancelled = !result.ok() && result.error().code == core::ErrorCode::kCancelled;
    if (accepting_ && (relayed_ || result.ok() || !CanRetry() || cancelled)) {
      // This attempt's answer is the call's answer.
      if (result.ok()) RelayHead();
      const bool bad_status = status_ >= 500 || status_ == 408;
      Count(bad_status || status_ == 429 ? "http_" + std::to_string(status_)
            : result.ok()                ? "ok"
            : cancelled                  ? "cancelled"
                                         : "broken");
      Verdict(bad_status || (!result.ok() && !cancelled));
      Finish(std::move(result));
      return;
    }
    if (cancelled) {
      Count("cancelled");
      p_.breaker_.OnSuccess();  // no verdict on the upstream; releases a half-open probe
      Finish(std::move(result));
      return;
    }
    // A retryable status (its body dropped), a connection that broke before any body, or no
    // answer at all.
    const std::string reason = accepting_    ? "broken"
                               : status_ > 0 ? "http_" + std::to_string(status_)
                               : result.error().code == core::ErrorCode::kDeadlineExceeded
                                   ? "timeout"
                                   : "connection";
    Count(reason);
    Verdict(true);
    if (!CanRetry()) {
      Finish(status_ > 0 && !accepting_ ? core::Status(UpstreamError(status_, {}, retry_hint_))
                                        : std::move(result));
      return;
    }
    const auto delay = p_.NextDelay(attempts_, retry_hint_);
    if (Clock::now() + delay - started_ > p_.options_.retry.deadline) {
      Finish(status_ > 0 && !accepting_ ? core::Status(UpstreamError(status_, {}, retry_hint_))
                                        : std::move(result));
      return;
    }
    p_.metrics_
        .Counter("recipe_rag_llm_retries_total", "LLM upstream retries by cause.",
                 {"provider", "reason"})
        .With({p_.options_.name, reason})
        .Add();
    p_.logger_.Emit(LogLine(LogLevel::kWarn, "llm retry")
                        .Str("provider", p_.options_.name)
                        .Str("reason", reason)
                        .Int("attempt", attempts_)
                        .Int("delay_ms", delay.count())
                        .Str("error", result.ok() ? "" : result.error().message));
    auto self = shared_from_this();
    slot_.Track(p_.client_.RunAfter(
        delay,
        [self] {
          if (!self->p_.breaker_.Allow(Clock::now())) {
            self->Count("refused");
            self->Finish(core::Error::Unavailable(
                "upstream circuit open: " + self->p_.options_.name, std::chrono::seconds(1)));
            return;
          }
          self->Attempt();
        },
        [self] { self->Finish(core::Error::Cancelled("the caller went away")); }));
  }

  bool CanRetry() const {
    return attempts_ < p_.options_.retry.max_attempts &&
           Clock::now() - started_ < p_.options_.retry.deadline;
  }

  // Hands on the outcome once, then drops the callbacks: what they capture (the caller's
  // state, which holds this call) must not outlive the call, or the two keep each other alive.
  void Finish(core::Status result) {
    if (finished_.exchange(true)) return;
    auto callbacks = std::move(callbacks_);
    callbacks_ = {};
    if (callbacks.on_done) callbacks.on_done(std::move(result));
  }

  OpenAiProvider& p_;
  const std::string path_;
  const std::string body_;
  RawCallbacks callbacks_;
  const observability::SpanContext parent_;
  const Clock::time_point started_;
  observability::Span span_;  // the current attempt's
  // Touched only from the current attempt's callbacks, which run one at a time.
  int attempts_ = 0;
  int status_ = 0;
  bool accepting_ = false;  // this attempt's answer is the one to hand on
  bool relayed_ = false;    // its head was handed on: no retry from here
  std::vector<http::Header> head_;
  std::optional<Millis> retry_hint_;
  std::atomic<bool> finished_{false};
  http::CallSlot slot_;
};

OpenAiProvider::OpenAiProvider(OpenAiOptions options, http::AsyncClient& client,
                               observability::Logger& logger, observability::Metrics& metrics)
    : options_(std::move(options)),
      client_(client),
      logger_(logger),
      metrics_(metrics),
      breaker_(options_.breaker,
               [this](CircuitBreaker::State from, CircuitBreaker::State to) {
                 metrics_
                     .Counter("recipe_rag_llm_breaker_transitions_total",
                              "LLM circuit breaker state changes.", {"provider", "to"})
                     .With({options_.name, std::string(ToString(to))})
                     .Add();
                 metrics_
                     .Gauge("recipe_rag_llm_breaker_state",
                            "LLM circuit breaker: 0 closed, 1 half-open, 2 open.", {"provider"})
                     .With({options_.name})
                     .Set(StateNumber(to));
                 logger_.Emit(
                     LogLine(to == CircuitBreaker::State::kOpen ? LogLevel::kWarn : LogLevel::kInfo,
                             "llm circuit breaker")
                         .Str("provider", options_.name)
                         .Str("from", ToString(from))
                         .Str("to", ToString(to)));
               }),
      rng_(std::random_device{}()) {
  metrics_
      .Gauge("recipe_rag_llm_breaker_state", "LLM circuit breaker: 0 closed, 1 half-open, 2 open.",
             {"provider"})
      .With({options_.name})
      .Set(0);
}

OpenAiProvider::~OpenAiProvider() = default;

std::vector<http::Header> OpenAiProvider::RequestHeaders() const {
  std::vector<http::Header> headers{{"Content-Type", "application/json"},
                                    {"Accept", "application/json, text/event-stream"}};
  if (!options_.api_key.empty()) headers.push_back({"Authorization", "Bearer " + options_.api_key});
  if (!options_.organization.empty()) {
    headers.push_back({"OpenAI-Organization", options_.organization});
  }
  if (!options_.project.empty()) headers.push_back({"OpenAI-Project", options_.project});
  return headers;
}

Millis OpenAiProvider::NextDelay(int retry, std::optional<Millis> hint) {
  std::lock_guard lock(rng_mu_);
  return RetryDelay(options_.retry, retry, hint, rng_);
}

CircuitBreaker::State OpenAiProvider::breaker_state() { return breaker_.state(Clock::now()); }

std::shared_ptr<http::Call> OpenAiProvider::Forward(std::string path, std::string body,
                                                    RawCallbacks callbacks,
                                                    const CallContext& context) {
  auto call = std::make_shared<ForwardCall>(*this, std::move(path), std::move(body),
                                            std::move(callbacks), context.span);
  call->Begin();
  return call;
}

std::shared_ptr<http::Call> OpenAiProvider::Chat(nlohmann::json request, ChatCallbacks callbacks,
                                                 const CallContext& context) {
  request["stream"] = true;
  request["stream_options"] = {{"include_usage", true}};
  // What the stream adds up to, and how it went; shared by the raw callbacks below.
  struct State {
    ChatCallbacks callbacks;
    ChatStream stream;
    int status = 0;
    std::string error_body;
    std::size_t max_error_body = 0;
    std::optional<core::Error> failure;
    std::weak_ptr<http::Call> call;
    std::unique_ptr<http::SseParser> parser;
  };
  auto state = std::make_shared<State>();
  state->callbacks = std::move(callbacks);
  state->max_error_body = options_.max_error_body_bytes;
  state->parser = std::make_unique<http::SseParser>([raw = state.get()](http::SseEvent&& event) {
    if (raw->failure) return;
    if (auto st = raw->stream.Add(event.data); !st.ok()) {
      raw->failure = st.error();
      return;
    }
    if (event.data != "[DONE]" && raw->callbacks.on_chunk) {
      raw->callbacks.on_chunk(event.data, raw->stream.completion());
    }
  });
  RawCallbacks raw;
  raw.on_head = [state](int status, const std::vector<http::Header>&) { state->status = status; };
  raw.on_body = [state](std::string_view piece) {
    if (state->status != 200) {
      const auto room =
          state->max_error_body - std::min(state->max_error_body, state->error_body.size());
      state->error_body.append(piece.substr(0, room));
      return;
    }
    if (state->failure) return;
    if (auto st = state->parser->Feed(piece); !st.ok()) state->failure = st.error();
    if (state->failure) {
      if (auto c = state->call.lock()) c->Cancel();
    }
  };
  raw.on_done = [state](core::Status result) {
    auto cb = std::move(state->callbacks);  // dropped after this: see ForwardCall::Finish
    state->callbacks = {};
    if (state->failure) {
      cb.on_done(core::Error::Unavailable("upstream stream failed: " + state->failure->message,
                                          std::chrono::seconds(1)));
    } else if (!result.ok()) {
      cb.on_done(result.error());
    } else if (state->status != 200) {
      cb.on_done(UpstreamError(state->status, state->error_body, std::nullopt));
    } else if (!state->stream.done() &&
               (state->stream.completion().choices.empty() ||
                state->stream.completion().choices[0].finish_reason.empty())) {
      cb.on_done(core::Error::Unavailable("upstream stream ended before the completion did",
                                          std::chrono::seconds(1)));
    } else {
      cb.on_done(state->stream.completion());
    }
    state->parser.reset();  // it refers to the state; break the cycle
  };
  auto call = Forward("/chat/completions", request.dump(), std::move(raw), context);
  state->call = call;
  return call;
}

}  // namespace recipe_rag::llm
