// Telemetry for `serve`: the PII redactor, the tracer and its exporter (Langfuse or any OTLP
// collector), the request metrics and CloudWatch EMF lines, and the cost side (prices, spend
// ledger, budgets, budget alerts to a webhook).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "cost/budget.h"
#include "cost/ledger.h"
#include "cost/prices.h"
#include "http/async_client.h"
#include "http/server.h"
#include "observability/exporter.h"
#include "observability/redactor.h"
#include "observability/request_stats.h"
#include "observability/span.h"
#include "observability/trace.h"
#include "rag/generator.h"
#include "rag/metered_provider.h"

namespace recipe_rag::observability {
class Logger;
class Metrics;
}  // namespace recipe_rag::observability

namespace recipe_rag::app {

class Telemetry {
 public:
  // Reads [log] redact, [tracing], [metrics] and [budgets]. InvalidArgument naming the setting
  // when a configured part cannot start (a secret reference that does not resolve for an
  // explicitly chosen exporter, a bad URL, an unreadable price table or ledger).
  static core::Result<std::unique_ptr<Telemetry>> Start(const config::Config& config,
                                                        observability::Logger& logger,
                                                        observability::Metrics& metrics);
  ~Telemetry();

  const observability::Redactor& redactor() const { return *redactor_; }
  const observability::Tracer& tracer() const { return *tracer_; }
  const cost::PriceTable* prices() const { return prices_ ? &*prices_ : nullptr; }
  cost::Budgets* budgets() const { return budgets_.get(); }
  const std::string& environment() const { return environment_; }
  const std::string& exporter() const { return exporter_name_; }

  // Per request: recipe_rag_http_requests_total{route,code},
  // recipe_rag_http_request_duration_seconds{route}, and an EMF line when [metrics] emf.
  void OnRequest(const http::RequestSummary& summary);
  // One LLM call finished: an EMF line (dimensions Environment, Model) when [metrics] emf.
  void OnLlmCall(const rag::LlmCallSummary& call);
  // A budget reached its alert ratio: log line, metric, webhook.
  void OnBudgetAlert(const cost::BudgetAlert& alert);
  // Refreshes gauges that are read rather than counted (budgets), before /metrics answers.
  void RefreshGauges();

  // An answer was generated: degraded ones count on the dashboards, and its online checks go
  // to Langfuse as scores on its trace ("degraded", BOOLEAN; "answer_chars", NUMERIC).
  void OnAnswer(const rag::Answer& answer);
  // GET /v1/stats: RequestStats' series for `window`, the budgets now, and spend by day and
  // model from the ledger over the window's days. Reads the ledger: call off the I/O threads.
  core::Result<std::string> Stats(std::string_view window) const;

  // Sends what the exporter holds within `budget`, spilling the rest.
  void Shutdown(std::chrono::milliseconds budget);
  // Waits until every span handed over so far has been sent or spilled (tests, benchmarks).
  void Flush();

 private:
  class SpanQueue;

  Telemetry(observability::Logger& logger, observability::Metrics& metrics)
      : logger_(logger), metrics_(metrics) {}
  core::Status StartTracing(const config::Config& config);
  core::Status StartBudgets(const config::Config& config);

  observability::Logger& logger_;
  observability::Metrics& metrics_;
  std::string environment_;
  std::string exporter_name_ = "none";
  bool emf_ = false;
  std::string emf_namespace_;
  std::unique_ptr<observability::Redactor> redactor_;
  observability::RequestStats stats_;
  std::shared_ptr<http::AsyncClient> client_;  // exporter and webhook
  std::unique_ptr<observability::PayloadSender> sender_;
  std::unique_ptr<observability::BatchExporter<observability::SpanData>> exporter_;
  std::unique_ptr<observability::SpanSink> sink_;
  // Scores to Langfuse's scores API: one JSON score per POST, with the same queue and spill.
  std::unique_ptr<observability::PayloadSender> score_sender_;
  std::unique_ptr<observability::BatchExporter<std::string>> scores_;
  std::unique_ptr<observability::Tracer> tracer_;
  std::optional<cost::PriceTable> prices_;
  std::unique_ptr<cost::Ledger> ledger_;
  std::unique_ptr<cost::Budgets> budgets_;
  std::optional<http::Origin> webhook_;
  std::string webhook_path_;
};

}  // namespace recipe_rag::app
