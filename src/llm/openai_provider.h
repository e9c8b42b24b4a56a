// OpenAiProvider: chat completions over OpenAI's HTTP API (api.openai.com, Azure OpenAI, vLLM,
// Ollama, llama.cpp's server — anything that speaks it), with retries and a circuit breaker.
//
// Each attempt is one POST through the shared AsyncClient. A failed attempt — no connection,
// a deadline, or status 408, 409, 429 or 5xx — is retried after RetryDelay() (the upstream's
// retry-after-ms / retry-after hint when sane, else full-jitter backoff) while attempts remain
// and the retry would start before RetryPolicy::deadline. Retries happen only before anything
// has been handed to the caller. Every attempt's outcome feeds the breaker; an open breaker
// refuses calls at once. Each attempt is a client span ("llm.attempt") under the call's span,
// and its request carries a W3C traceparent naming that span. Retries, breaker changes and
// refusals are logged and counted:
//   recipe_rag_llm_attempts_total{provider,outcome}
//   recipe_rag_llm_retries_total{provider,reason}
//   recipe_rag_llm_breaker_transitions_total{provider,to}
//   recipe_rag_llm_breaker_state{provider}   0 closed, 1 half-open, 2 open
//
// Requests carry `Authorization: Bearer <api_key>` (and OpenAI-Organization /
// OpenAI-Project when set); neither appears in any log line or error. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "http/async_client.h"
#include "llm/provider.h"
#include "llm/resilience.h"

namespace recipe_rag::observability {
class Logger;
class Metrics;
class Series;
}  // namespace recipe_rag::observability

namespace recipe_rag::llm {

struct OpenAiOptions {
  std::string name = "openai";  // for logs and metric labels
  http::Origin base;            // e.g. https://api.openai.com/v1
  std::string api_key;          // resolved secret; "" sends no Authorization header
  std::string organization;     // OpenAI-Organization, when set
  std::string project;          // OpenAI-Project, when set
  RetryPolicy retry;
  BreakerOptions breaker;
  std::size_t max_error_body_bytes = 64 << 10;  // kept of an error response, for its message
};

class OpenAiProvider : public LlmProvider {
 public:
  // `client`, `logger` and `metrics` must outlive the provider and every call it started.
  OpenAiProvider(OpenAiOptions options, http::AsyncClient& client, observability::Logger& logger,
                 observability::Metrics& metrics);
  ~OpenAiProvider() override;

  const std::string& name() const override { return options_.name; }
  std::shared_ptr<http::Call> Forward(std::string path, std::string body, RawCallbacks callbacks,
                                      const CallContext& context) override;
  std::shared_ptr<http::Call> Chat(nlohmann::json request, ChatCallbacks callbacks,
                                   const CallContext& context) override;
  CircuitBreaker::State breaker_state() override;

 private:
  class ForwardCall;
  friend class ForwardCall;

  std::vector<http::Header> RequestHeaders() const;
  Millis NextDelay(int retry, std::optional<Millis> hint);

  const OpenAiOptions options_;
  http::AsyncClient& client_;
  observability::Logger& logger_;
  observability::Metrics& metrics_;
  CircuitBreaker breaker_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// The error a caller sees for an upstream's final error response: ResourceExhausted for 429
// (with its retry hint), InvalidArgument for 400/404/422 (the upstream's message: the request
// itself is at fault), Unavailable otherwise. Credentials are never quoted: a 401/403 says only
// that the upstream refused the provider's key.
core::Error UpstreamError(int status, std::string_view body, std::optional<Millis> hint);

}  // namespace recipe_rag::llm
