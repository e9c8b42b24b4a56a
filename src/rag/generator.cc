#include "rag/generator.h"

#include <atomic>

#include "core/strings.h"
#include "llm/extractive_writer.h"
#include "observability/logger.h"
#include "observability/metrics.h"

namespace recipe_rag::rag {
namespace {

using observability::LogLevel;
using observability::LogLine;

constexpr std::size_t kMaxIngredients = 25;
constexpr std::size_t kMaxInstructionChars = 1500;
constexpr const char* kExtractive = "extractive";

// A handle for work that is already finished (the extractive writer answers at once).
class DoneCall : public http::Call {
 public:
  void Cancel() override {}
};

}  // namespace

// One answer being generated: the models still to try, and what has been handed on.
class Generator::Run : public http::Call, public std::enable_shared_from_this<Run> {
 public:
  Run(const Generator& g, std::string question, std::vector<SourceRecipe> sources,
      AnswerCallbacks callbacks, llm::CallContext context)
      : g_(g),
        question_(std::move(question)),
        sources_(std::move(sources)),
        callbacks_(std::move(callbacks)),
        context_(std::move(context)) {
    context_.prompt = g_.prompt_->ref();
    models_.push_back(g_.options_.model);
    if (!g_.options_.fallback_model.empty() && g_.options_.fallback_model != g_.options_.model) {
      models_.push_back(g_.options_.fallback_model);
    }
    const std::string recipes = FormatSources(sources_);
    const PromptInputs inputs{question_, recipes};
    request_ = {{"messages",
                 {{{"role", "system"}, {"content", g_.prompt_->RenderSystem(inputs)}},
                  {{"role", "user"}, {"content", g_.prompt_->RenderUser(inputs)}}}}};
    const auto& params = g_.prompt_->model;
    if (params.temperature) request_["temperature"] = *params.temperature;
    if (params.top_p) request_["top_p"] = *params.top_p;
    if (params.max_tokens) request_["max_tokens"] = *params.max_tokens;
  }

  void Start() { Try(0); }

  void Cancel() override { slot_.Cancel(); }

 private:
  void Try(std::size_t i) {
    auto request = request_;
    request["model"] = models_[i];
    auto self = shared_from_this();
    llm::ChatCallbacks cb;
    seen_ = 0;
    cb.on_chunk = [self](std::string_view, const llm::ChatCompletion& so_far) {
      if (so_far.choices.empty()) return;
      const auto& content = so_far.choices.front().content;
      if (content.size() <= self->seen_) return;
      const std::string_view piece = std::string_view(content).substr(self->seen_);
      self->seen_ = content.size();
      if (!self->callbacks_.on_delta) return;  // nothing handed on: a fallback stays possible
      self->handed_on_ += piece;
      self->callbacks_.on_delta(piece);
    };
    cb.on_done = [self, i](core::Result<llm::ChatCompletion> result) {
      self->Done(i, std::move(result));
    };
    slot_.Track(g_.provider_->Chat(std::move(request), std::move(cb), context_));
  }

  void Done(std::size_t i, core::Result<llm::ChatCompletion> result) {
    Answer answer;
    answer.prompt = g_.prompt_->ref();
    if (result.ok()) {
      const auto& c = *result;
      answer.text = c.choices.empty() ? std::string() : c.choices.front().content;
      answer.model = c.model.empty() ? models_[i] : c.model;
      answer.usage = c.usage;
      if (i > 0) {
        answer.degraded = true;
        answer.degraded_reason = reason_;
      }
      Finish(std::move(answer));
      return;
    }
    const auto& error = result.error();
    if (error.code == core::ErrorCode::kCancelled || !handed_on_.empty()) {
      // Text already went out (or nobody listens): a fallback cannot take it back.
      answer.model = models_[i];
      answer.degraded = true;
      answer.degraded_reason = error.code == core::ErrorCode::kCancelled
                                   ? "cancelled"
                                   : "the model failed mid-answer: " + error.message;
      answer.text = handed_on_;
      Finish(std::move(answer));
      return;
    }
    // Out of budget: no other model may be asked either; the extractive writer answers, and
    // the reason is the bare word clients can act on.
    const bool budget = error.param == "budget";
    if (budget) {
      reason_ = "budget";
    } else {
      reason_ += (reason_.empty() ? "" : "; ") + models_[i] + ": " + error.message;
    }
    const bool more = !budget && i + 1 < models_.size();
    const std::string to = more ? models_[i + 1] : kExtractive;
    g_.metrics_
        .Counter("recipe_rag_llm_fallbacks_total", "Answers handed to a fallback generator.",
                 {"from", "to"})
        .With({models_[i], to})
        .Add();
    g_.logger_.Emit(LogLine(LogLevel::kWarn, "llm fallback")
                        .Str("from", models_[i])
                        .Str("to", to)
                        .Str("prompt", g_.prompt_->ref())
                        .Str("reason", error.message));
    if (more) {
      Try(i + 1);
      return;
    }
    answer.text = Extractive(question_, sources_);
    answer.prompt = kExtractive;
    answer.model = kExtractive;
    answer.degraded = true;
    answer.degraded_reason = reason_;
    if (callbacks_.on_delta) callbacks_.on_delta(answer.text);
    Finish(std::move(answer));
  }

  // Hands on the answer, then drops the callbacks (they hold the caller's state, which may
  // hold this run).
  void Finish(Answer answer) {
    answer.trace_id = context_.span.trace_id();
    auto callbacks = std::move(callbacks_);
    callbacks_ = {};
    callbacks.on_done(std::move(answer));
  }

  const Generator& g_;
  const std::string question_;
  const std::vector<SourceRecipe> sources_;
  AnswerCallbacks callbacks_;
  llm::CallContext context_;
  nlohmann::json request_;
  std::vector<std::string> models_;
  // Touched only from the provider's callbacks, which run one at a time.
  std::size_t seen_ = 0;   // bytes of the current attempt's content seen
  std::string handed_on_;  // text given to on_delta (then no fallback can take it back)
  std::string reason_;     // why earlier models were passed over
  http::CallSlot slot_;
};

Generator::Generator(llm::LlmProvider* provider, const Prompt* prompt, GeneratorOptions options,
                     observability::Logger& logger, observability::Metrics& metrics)
    : provider_(provider),
      prompt_(prompt),
      options_(std::move(options)),
      logger_(logger),
      metrics_(metrics) {}

std::string Generator::prompt_ref() const {
  return provider_ != nullptr ? prompt_->ref() : kExtractive;
}

std::shared_ptr<http::Call> Generator::Generate(std::string question,
                                                std::vector<SourceRecipe> sources,
                                                AnswerCallbacks callbacks,
                                                llm::CallContext context) const {
  if (provider_ == nullptr) {
    Answer answer;
    answer.text = Extractive(question, sources);
    answer.prompt = kExtractive;
    answer.model = kExtractive;
    answer.trace_id = context.span.trace_id();
    if (callbacks.on_delta) callbacks.on_delta(answer.text);
    callbacks.on_done(std::move(answer));
    return std::make_shared<DoneCall>();
  }
  auto run = std::make_shared<Run>(*this, std::move(question), std::move(sources),
                                   std::move(callbacks), std::move(context));
  run->Start();
  return run;
}

std::string Generator::FormatSources(const std::vector<SourceRecipe>& sources) {
  if (sources.empty()) return "(no recipes matched)\n";
  std::string out;
  for (const auto& s : sources) {
    out += "[" + s.id + "] " + s.title;
    if (s.low_confidence) out += " (weak match)";
    out += "\nIngredients:\n";
    for (std::size_t i = 0; i < s.ingredients.size() && i < kMaxIngredients; ++i) {
      out += "- " + s.ingredients[i] + "\n";
    }
    std::string steps;
    for (const auto& step : s.instructions) {
      if (steps.size() >= kMaxInstructionChars) break;
      steps += step + " ";
    }
    if (steps.size() > kMaxInstructionChars) {
      steps = std::string(core::Utf8Prefix(steps, kMaxInstructionChars)) + "…";
    }
    if (!steps.empty()) out += "Instructions: " + steps + "\n";
    out += "\n";
  }
  return out;
}

std::string Generator::Extractive(std::string_view question,
                                  const std::vector<SourceRecipe>& sources) {
  std::vector<llm::SourceRecipe> refs;
  refs.reserve(sources.size());
  for (const auto& s : sources) refs.push_back({s.id, s.title, &s.ingredients, s.low_confidence});
  return llm::WriteExtractiveAnswer(question, refs);
}

}  // namespace recipe_rag::rag
