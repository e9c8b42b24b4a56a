// LlmProvider: the seam between the answer pipeline and a chat-completion service.
//
// OpenAiProvider (openai_provider.h) speaks OpenAI's HTTP API, which vLLM, Ollama, llama.cpp's
// server and Azure OpenAI speak too. A provider owns its resilience: retries, its circuit
// breaker, deadlines. Calls are asynchronous: they return at once and report on the provider's
// threads; the returned handle cancels.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/async_client.h"
#include "http/message.h"
#include "llm/chat_stream.h"
#include "llm/resilience.h"
#include "observability/trace.h"

namespace recipe_rag::llm {

// A raw exchange, relayed as the upstream sends it (the gateway's pass-through).
struct RawCallbacks {
  // The final attempt's status and headers (after retries).
  std::function<void(int status, const std::vector<http::Header>& headers)> on_head;
  std::function<void(std::string_view piece)> on_body;
  // Exactly once. An error here with no on_head before means no upstream answer at all
  // (Unavailable, DeadlineExceeded, Cancelled; Unavailable "circuit open" when the breaker
  // refused the call).
  std::function<void(core::Status)> on_done;
};

// A streamed chat completion, added up as it arrives.
struct ChatCallbacks {
  // Each chunk's event data (JSON) after `so_far` has been updated with it. Once a chunk has
  // been delivered, no retry or fallback can hide a later failure.
  std::function<void(std::string_view data, const ChatCompletion& so_far)> on_chunk;
  // Exactly once: the whole completion, or why there is none. An upstream that answered with
  // an error status gives ResourceExhausted (429) or Unavailable (5xx and others) with the
  // upstream's message; a deadline gives DeadlineExceeded.
  std::function<void(core::Result<ChatCompletion>)> on_done;
};

// Who a call is for: the span it belongs under (each attempt is a child span, and the upstream
// gets a traceparent naming it) and the API token it is charged to.
struct CallContext {
  observability::SpanContext span;
  std::string token_id;
  std::string prompt;  // "name@version" of the prompt the request was rendered from, if any
};

class LlmProvider {
 public:
  virtual ~LlmProvider() = default;

  // A short name for logs and metric labels ("openai").
  virtual const std::string& name() const = 0;

  // POSTs `body` (a JSON request) to `path` ("/chat/completions") with retries.
  virtual std::shared_ptr<http::Call> Forward(std::string path, std::string body,
                                              RawCallbacks callbacks,
                                              const CallContext& context) = 0;

  // A streamed chat completion for `request` (an OpenAI request body without "stream"; the
  // provider asks for the stream and for usage in it).
  virtual std::shared_ptr<http::Call> Chat(nlohmann::json request, ChatCallbacks callbacks,
                                           const CallContext& context) = 0;

  virtual CircuitBreaker::State breaker_state() = 0;
};

}  // namespace recipe_rag::llm
