// ToolLoop: a chat completion in which the service itself answers the model's search_corpus
// calls (POST /v1/chat/completions without client tools).
//
// Round by round: the conversation goes to the model with search_corpus offered; when the
// model asks for searches (one or several parallel calls), each runs through `search` and its
// result goes back as a tool message; at most `max_rounds` rounds run searches, and the call
// after the last such round forbids tools (tool_choice "none") so the model must answer.
// Content the model writes in any round is handed on as it streams. Usage adds up over rounds.
//
// Thread-safe handle; callbacks run one at a time.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/async_client.h"
#include "llm/chat_stream.h"
#include "llm/provider.h"

namespace recipe_rag::rag {

// Runs one search_corpus call: `arguments` as the model wrote them (JSON text); `done` gets
// the tool message's content (JSON text: the recipes, or an error the model can read).
// May complete on any thread.
using ToolSearch =
    std::function<void(std::string arguments, std::function<void(std::string content)> done)>;

struct ToolLoopResult {
  std::string content;        // the final answer
  std::string finish_reason;  // of the final round
  std::string model;          // as the upstream reported it
  llm::Usage usage;           // summed over rounds
  int searches = 0;           // search_corpus calls run
};

struct ToolLoopCallbacks {
  std::function<void(std::string_view content)> on_content;   // optional
  std::function<void(core::Result<ToolLoopResult>)> on_done;  // exactly once
};

// Starts the loop. `request` is the client's chat request (messages and parameters) with
// "model" already the upstream's name and no "tools"; `tool` is search_corpus in OpenAI's
// `tools` form. `provider` and `search` must outlive the call.
std::shared_ptr<http::Call> StartToolLoop(llm::LlmProvider& provider, nlohmann::json request,
                                          nlohmann::json tool, int max_rounds, ToolSearch search,
                                          ToolLoopCallbacks callbacks, llm::CallContext context);

}  // namespace recipe_rag::rag
