// MeteredProvider: every LLM call the service makes, observed and paid for.
//
// It wraps the real provider. For each call (a generation: one model asked once, with its
// retries inside) it
//   - reserves the call's worst-case cost against the budgets before the provider is called,
//     and refuses the call (ResourceExhausted, param "budget") when a budget has no room;
//   - opens a generation span (Langfuse observation type "generation": model, prompt name and
//     version, redacted input and output, usage, cost, completion start) under the caller's
//     span, with the provider's attempt spans as its children;
//   - measures duration and time to first token, counts tokens and cost by model;
//   - settles the reservation with the real cost from the usage the upstream reported, on a
//     background writer (the ledger is SQLite; the provider's threads never wait for a disk);
//   - hands budget alerts (first crossing of the alert ratio in a period) to `on_alert`.
//
// Worst case: every byte of the request body counts as an input token (a tokenizer's token
// covers at least one byte) and the output as the request's max_completion_tokens / max_tokens,
// or `default_max_output_tokens`, which is then set on the request so that the bound holds.
// A pass-through stream whose client did not ask for usage (stream_options.include_usage) is
// settled at its reservation, since its real usage is never reported.
//
// Metrics:
//   recipe_rag_llm_request_duration_seconds{provider,model}     histogram
//   recipe_rag_llm_time_to_first_token_seconds{provider,model}  histogram
//   recipe_rag_llm_tokens_total{model,type}   type: input, cached_input, output
//   recipe_rag_llm_cost_usd_total{model}
//   recipe_rag_llm_unpriced_calls_total{model}  calls whose model has no price
//   recipe_rag_budget_refusals_total            calls refused for want of budget
//
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/work_pool.h"
#include "cost/budget.h"
#include "cost/prices.h"
#include "llm/provider.h"

namespace recipe_rag::observability {
class Logger;
class Metrics;
class Redactor;
}  // namespace recipe_rag::observability

namespace recipe_rag::rag {

// One finished LLM call, for per-call metric lines (CloudWatch EMF).
struct LlmCallSummary {
  std::string provider;
  std::string model;
  double seconds = 0;
  std::optional<double> time_to_first_token_seconds;
  std::optional<llm::Usage> usage;
  std::optional<double> cost_usd;
  bool ok = false;
};

struct MeteringOptions {
  // Budgets have limits: calls that name no output limit get this one, so that the worst case
  // is bounded.
  bool cap_output = false;
  int default_max_output_tokens = 1024;
  std::size_t max_traced_chars = 16 << 10;  // of a generation's input and output, in its span
  std::function<void(const LlmCallSummary&)> on_call;  // optional; on the provider's thread
};

class MeteredProvider : public llm::LlmProvider {
 public:
  using OnAlert = std::function<void(const cost::BudgetAlert&)>;

  // `prices` and `budgets` may be null (no costs, no limits). Everything must outlive the
  // provider and its calls.
  MeteredProvider(llm::LlmProvider& inner, const cost::PriceTable* prices, cost::Budgets* budgets,
                  OnAlert on_alert, const observability::Redactor& redactor,
                  observability::Metrics& metrics, observability::Logger& logger,
                  MeteringOptions options = {});
  ~MeteredProvider() override;

  const std::string& name() const override { return inner_.name(); }
  std::shared_ptr<http::Call> Forward(std::string path, std::string body,
                                      llm::RawCallbacks callbacks,
                                      const llm::CallContext& context) override;
  std::shared_ptr<http::Call> Chat(nlohmann::json request, llm::ChatCallbacks callbacks,
                                   const llm::CallContext& context) override;
  llm::CircuitBreaker::State breaker_state() override { return inner_.breaker_state(); }

  // Waits until every settlement queued so far is in the ledger (shutdown, tests).
  void Drain();

 private:
  class Generation;

  // Reserves and opens the span; the error when the budget refuses.
  core::Result<std::shared_ptr<Generation>> Begin(nlohmann::json& request,
                                                  const llm::CallContext& context);

  llm::LlmProvider& inner_;
  const cost::PriceTable* const prices_;
  cost::Budgets* const budgets_;
  const OnAlert on_alert_;
  const observability::Redactor& redactor_;
  observability::Metrics& metrics_;
  observability::Logger& logger_;
  const MeteringOptions options_;
  core::WorkPool writer_;  // one thread: settlements, in order
};

}  // namespace recipe_rag::rag
