#include "rag/tool_loop.h"

namespace recipe_rag::rag {
namespace {

class Loop : public http::Call, public std::enable_shared_from_this<Loop> {
 public:
  Loop(llm::LlmProvider& provider, nlohmann::json request, nlohmann::json tool, int max_rounds,
       ToolSearch search, ToolLoopCallbacks callbacks, llm::CallContext context)
      : provider_(provider),
        request_(std::move(request)),
        max_rounds_(max_rounds),
        search_(std::move(search)),
        callbacks_(std::move(callbacks)),
        context_(std::move(context)) {
    request_["tools"] = nlohmann::json::array({std::move(tool)});
    if (!request_.contains("messages") || !request_["messages"].is_array()) {
      request_["messages"] = nlohmann::json::array();
    }
  }

  void Round() {
    request_["tool_choice"] = rounds_ < max_rounds_ ? "auto" : "none";
    sent_ = 0;
    auto self = shared_from_this();
    llm::ChatCallbacks cb;
    cb.on_chunk = [self](std::string_view, const llm::ChatCompletion& so_far) {
      if (so_far.choices.empty()) return;
      const auto& content = so_far.choices.front().content;
      if (content.size() <= self->sent_) return;
      const auto piece = std::string_view(content).substr(self->sent_);
      self->sent_ = content.size();
      self->result_.content += piece;
      if (self->callbacks_.on_content) self->callbacks_.on_content(piece);
    };
    cb.on_done = [self](core::Result<llm::ChatCompletion> r) { self->RoundDone(std::move(r)); };
    slot_.Track(provider_.Chat(request_, std::move(cb), context_));
  }

  void Cancel() override { slot_.Cancel(); }

 private:
  void RoundDone(core::Result<llm::ChatCompletion> r) {
    if (!r.ok()) {
      Finish(std::move(r).error());
      return;
    }
    const auto& c = *r;
    if (c.usage) {
      result_.usage.prompt_tokens += c.usage->prompt_tokens;
      result_.usage.completion_tokens += c.usage->completion_tokens;
      result_.usage.total_tokens += c.usage->total_tokens;
    }
    result_.model = c.model;
    if (c.choices.empty()) {
      Finish(
          core::Error::Unavailable("upstream completion has no choices", std::chrono::seconds(1)));
      return;
    }
    const auto& choice = c.choices.front();
    result_.finish_reason = choice.finish_reason;
    if (choice.tool_calls.empty() || rounds_ >= max_rounds_) {
      Finish(std::move(result_));
      return;
    }
    ++rounds_;
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& call : choice.tool_calls) {
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    nlohmann::json assistant = {{"role", "assistant"}, {"tool_calls", std::move(calls)}};
    assistant["content"] =
        choice.content.empty() ? nlohmann::json(nullptr) : nlohmann::json(choice.content);
    request_["messages"].push_back(std::move(assistant));
    pending_calls_ = choice.tool_calls;
    NextCall(0);
  }

  // Runs the round's tool calls one after another, then the next round.
  void NextCall(std::size_t i) {
    if (slot_.cancelled()) {
      Finish(core::Error::Cancelled("the caller went away"));
      return;
    }
    if (i == pending_calls_.size()) {
      Round();
      return;
    }
    const auto& call = pending_calls_[i];
    auto self = shared_from_this();
    auto reply = [self, i](std::string content) {
      self->request_["messages"].push_back({{"role", "tool"},
                                            {"tool_call_id", self->pending_calls_[i].id},
                                            {"content", std::move(content)}});
      self->NextCall(i + 1);
    };
    if (call.name != "search_corpus") {
      reply(R"({"error":"unknown tool; the only tool is search_corpus"})");
      return;
    }
    ++result_.searches;
    search_(call.arguments, std::move(reply));
  }

  // Hands on the outcome, then drops the callbacks (they hold the caller's state, which holds
  // this loop).
  void Finish(core::Result<ToolLoopResult> result) {
    auto callbacks = std::move(callbacks_);
    callbacks_ = {};
    callbacks.on_done(std::move(result));
  }

  llm::LlmProvider& provider_;
  nlohmann::json request_;
  const int max_rounds_;
  ToolSearch search_;
  ToolLoopCallbacks callbacks_;
  const llm::CallContext context_;
  ToolLoopResult result_;
  int rounds_ = 0;
  std::size_t sent_ = 0;  // content of this round handed on
  std::vector<llm::ToolCall> pending_calls_;
  http::CallSlot slot_;
};

}  // namespace

std::shared_ptr<http::Call> StartToolLoop(llm::LlmProvider& provider, nlohmann::json request,
                                          nlohmann::json tool, int max_rounds, ToolSearch search,
                                          ToolLoopCallbacks callbacks, llm::CallContext context) {
  auto loop = std::make_shared<Loop>(provider, std::move(request), std::move(tool), max_rounds,
                                     std::move(search), std::move(callbacks), std::move(context));
  loop->Round();
  return loop;
}

}  // namespace recipe_rag::rag
