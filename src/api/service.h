// Service: the HTTP API (DESIGN.md "Public HTTP API"): routing, bearer auth on /v1/*,
// Content-Type and body validation, and the endpoints. Searches run on the WorkPool;
// when its queue is full the answer is 503 with Retry-After.
//
// Thread-safe: Handle() is called from many I/O threads; the current index is swapped
// atomically by SetIndex() and requests keep the one they started with.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/readiness.h"
#include "auth/token_store.h"
#include "core/work_pool.h"
#include "http/handler.h"
#include "http/router.h"
#include "llm/provider.h"
#include "rag/generator.h"
#include "retrieval/index.h"

namespace recipe_rag::observability {
class HistogramSeries;
class Logger;
class Metrics;
class Redactor;
}  // namespace recipe_rag::observability

namespace recipe_rag::api {

struct ServiceOptions {
  int max_query_chars = 2000;
  int retry_after_s = 1;            // on 503 (overloaded, not ready)
  std::string config_sha256;        // shown by /version
  std::string environment = "dev";  // traces' langfuse.environment
  // Out of budget: answer 429 rather than an extractive, degraded answer (/v1/answer without
  // streaming and /v1/tools/call; streams have started and degrade).
  bool budget_reject = false;
  std::function<void()> before_metrics;  // refreshes read-on-demand gauges; optional
  // GET /v1/stats?window=…: the dashboards' series as JSON (InvalidArgument for a bad window).
  // Runs on the work pool (it may read the ledger). Optional: 404 without it.
  std::function<core::Result<std::string>(std::string_view window)> stats;
  // Every generated answer (degraded ones are counted for the dashboards). Optional.
  std::function<void(const rag::Answer&)> on_answer;
};

// Generation: the generator answers /v1/answer and search_corpus' generated_response; the
// provider (null when no LLM is configured) serves /v1/chat/completions.
struct LlmBackend {
  const rag::Generator* generator = nullptr;  // required
  llm::LlmProvider* provider = nullptr;
  std::string model;                                        // the primary upstream model
  std::vector<std::pair<std::string, std::string>> models;  // client name → upstream model
  int max_tool_rounds = 3;
};

class Service : public http::Handler {
 public:
  // All references and pointers must outlive the service.
  Service(ServiceOptions options, const auth::TokenStore& tokens, core::WorkPool& pool,
          Readiness& readiness, observability::Logger& logger, observability::Metrics& metrics,
          const observability::Redactor& redactor, LlmBackend llm);

  void Handle(const http::Request& request, http::Respond respond) override;

  // Installs the index new requests use (null: none).
  void SetIndex(std::shared_ptr<const retrieval::LoadedIndex> index) {
    index_.store(std::move(index));
  }

 private:
  void Healthz(const http::Request&, http::Respond&&);
  void Readyz(const http::Request&, http::Respond&&);
  void Version(const http::Request&, http::Respond&&);
  void Tools(const http::Request&, http::Respond&&);
  void ToolsCall(const http::Request&, http::Respond&&);
  void Search(const http::Request&, http::Respond&&);
  void Metrics(const http::Request&, http::Respond&&);
  void Stats(const http::Request&, http::Respond&&);
  // llm_endpoints.cc
  void Answer(const http::Request&, http::Respond&&);
  void ChatCompletions(const http::Request&, http::Respond&&);
  void PassThrough(nlohmann::json body, bool stream, const std::string& request_id,
                   llm::CallContext context, http::Respond respond);
  void ChatWithSearch(nlohmann::json body, const std::string& request_id, llm::CallContext context,
                      http::Respond respond);
  // Langfuse's trace-level attributes: name (the route), environment, user (X-User-Id, else
  // `token_id` when not empty) and session.
  void TagTrace(const http::Request& request, const std::string& route,
                const std::string& token_id) const;
  // Whose call a request makes: its span and the token it came with.
  llm::CallContext CallFor(const http::Request& request) const;

  // Runs `query` on the pool under a "retrieval" span (child of query.span, which it then
  // becomes); `done` gets the index searched and the hits (or the error
  // response to send), on a pool thread or, for a remembered answer, at once.
  using SearchDone = std::function<void(std::shared_ptr<const retrieval::LoadedIndex>,
                                        core::Result<std::vector<retrieval::Hit>>)>;
  void SearchAsync(retrieval::Query query, const std::string& request_id, SearchDone done);
  // The hits as the generator sees them.
  static std::vector<rag::SourceRecipe> Sources(const retrieval::LoadedIndex& index,
                                                const std::vector<retrieval::Hit>& hits);

  enum class Shape { kToolCall, kFullRecords };
  // Content-Type, JSON and schema checks for the shape's endpoint, then RunSearch.
  void HandleSearch(const http::Request& request, Shape shape, http::Respond&& respond);
  // Validated query → search on the pool → response in the given shape.
  void RunSearch(retrieval::Query query, Shape shape, const std::string& request_id,
                 llm::CallContext context, http::Respond respond);
  static nlohmann::json SearchJson(const retrieval::LoadedIndex& index,
                                   const retrieval::Query& query, Shape shape,
                                   const std::vector<retrieval::Hit>& hits);
  // One log line per generated answer: prompt version, model, degraded and why, tokens.
  void LogGeneration(const std::string& request_id, std::string_view route,
                     const rag::Answer& answer) const;
  http::Response ErrorResponse(const core::Error& error) const;
  // 429: budget_reject is set and the budget had no room.
  http::Response BudgetExhausted() const;
  // Content-Type and JSON checks of a request body: the error response, or nullopt with *body
  // set.
  std::optional<http::Response> ReadJson(const http::Request& request, nlohmann::json* body) const;

  const ServiceOptions options_;
  const auth::TokenStore& tokens_;
  core::WorkPool& pool_;
  Readiness& readiness_;
  observability::Logger& logger_;
  observability::Metrics& metrics_;
  const observability::Redactor& redactor_;
  observability::HistogramSeries& retrieval_seconds_;
  const LlmBackend llm_;
  http::Router router_;
  std::atomic<std::shared_ptr<const retrieval::LoadedIndex>> index_;
};

}  // namespace recipe_rag::api
