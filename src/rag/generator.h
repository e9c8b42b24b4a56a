// Generator: turns a question and the recipes retrieved for it into a grounded answer.
//
// With an LLM provider it renders the prompt (prompts/<name>/<version>.toml) and streams a
// completion from the primary model; when that fails before any text was handed on, it tries
// the fallback model, and then the extractive writer. An answer that came from a fallback
// says so: degraded = true and a reason. Without a provider the extractive writer is the
// configured generator, and its answers are not degraded.
//
// Every fallback is logged and counted in recipe_rag_llm_fallbacks_total{from,to}. Never
// fails: the extractive writer always has an answer. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/async_client.h"
#include "llm/chat_stream.h"
#include "llm/provider.h"
#include "rag/prompt.h"

namespace recipe_rag::observability {
class Logger;
class Metrics;
}  // namespace recipe_rag::observability

namespace recipe_rag::rag {

// What the generator may use of one retrieved recipe (a copy: it outlives the request's index).
struct SourceRecipe {
  std::string id;
  std::string title;
  std::vector<std::string> ingredients;
  std::vector<std::string> instructions;
  bool low_confidence = false;
};

struct Answer {
  std::string text;
  std::string prompt;  // "name@version" of the prompt used; "extractive" for the writer
  std::string model;   // the model that answered; "extractive" for the writer
  bool degraded = false;
  std::string degraded_reason;  // why a fallback answered ("" when not degraded)
  std::optional<llm::Usage> usage;
  std::string trace_id;  // of the request the answer was for ("" when untraced)
};

struct AnswerCallbacks {
  // Optional: each piece of text as the model writes it. The extractive writer's answer, and
  // any fallback's, arrives here as one piece.
  std::function<void(std::string_view text)> on_delta;
  std::function<void(Answer answer)> on_done;  // exactly once
};

struct GeneratorOptions {
  std::string model;           // the primary model, as the upstream names it
  std::string fallback_model;  // tried when the primary fails; "" = none
};

class Generator {
 public:
  // `provider` null: extractive only. `prompt` must be set when `provider` is. Everything
  // passed by pointer or reference must outlive the generator and its calls.
  Generator(llm::LlmProvider* provider, const Prompt* prompt, GeneratorOptions options,
            observability::Logger& logger, observability::Metrics& metrics);

  // Starts generating; the handle cancels (on_done then still runs, with what there is).
  // `context` says whose call it is (span, token); the prompt is filled in here.
  std::shared_ptr<http::Call> Generate(std::string question, std::vector<SourceRecipe> sources,
                                       AnswerCallbacks callbacks, llm::CallContext context) const;

  bool uses_llm() const { return provider_ != nullptr; }
  // The prompt reference answers carry: "name@version", or "extractive".
  std::string prompt_ref() const;

  // The recipes as the prompt lays them out: one block per recipe with its id, title,
  // ingredients and instructions (cut to keep the prompt bounded).
  static std::string FormatSources(const std::vector<SourceRecipe>& sources);
  // The extractive writer's answer.
  static std::string Extractive(std::string_view question,
                                const std::vector<SourceRecipe>& sources);

 private:
  class Run;

  llm::LlmProvider* const provider_;
  const Prompt* const prompt_;
  const GeneratorOptions options_;
  observability::Logger& logger_;
  observability::Metrics& metrics_;
};

}  // namespace recipe_rag::rag
