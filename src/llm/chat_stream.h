// ChatStream: adds up a streamed OpenAI chat completion — the `data` of each server-sent event
// of POST /v1/chat/completions with "stream": true — into the completion it describes.
//
// Each chunk ("object": "chat.completion.chunk") carries, per choice, a delta: the role once,
// then pieces of `content` or `refusal`, or tool calls by index — the first piece of a call
// names it (id, function name), later pieces add to its arguments, and calls of one choice
// may be interleaved (parallel tool calls). The last chunk before "[DONE]" may carry only
// `usage` (with `stream_options.include_usage`). A chunk with an `error` object is the
// upstream failing mid-stream.
//
// Bounded: text beyond `max_bytes` in all is an error. Not thread-safe; one per stream.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace recipe_rag::llm {

struct ToolCall {
  std::string id;
  std::string name;       // the function's name
  std::string arguments;  // JSON text, as the model wrote it (not checked here)
};

struct Usage {
  long prompt_tokens = 0;
  long completion_tokens = 0;
  long total_tokens = 0;
  long cached_tokens = 0;  // of prompt_tokens, served from the upstream's prompt cache
};

// Reads an OpenAI "usage" object (prompt_tokens, completion_tokens, total_tokens,
// prompt_tokens_details.cached_tokens); missing or malformed counts are 0.
Usage ParseUsage(const nlohmann::json& usage);

struct ChatChoice {
  int index = 0;
  std::string role;
  std::string content;
  std::string refusal;
  std::vector<ToolCall> tool_calls;  // in index order
  std::string finish_reason;         // "stop", "length", "tool_calls", …; empty while streaming
};

struct ChatCompletion {
  std::string id;
  std::string model;
  std::string system_fingerprint;
  long created = 0;
  std::vector<ChatChoice> choices;  // in index order
  std::optional<Usage> usage;
};

class ChatStream {
 public:
  explicit ChatStream(std::size_t max_bytes = 4 << 20) : max_bytes_(max_bytes) {}

  // One event's data: a chunk's JSON, or "[DONE]". InvalidArgument for anything else (not
  // JSON, not a chunk, data after "[DONE]", too much text); Unavailable with the upstream's
  // message for an error chunk.
  core::Status Add(std::string_view data);

  // "[DONE]" was seen.
  bool done() const { return done_; }
  // Chunks added so far (not counting "[DONE]").
  std::size_t chunks() const { return chunks_; }
  const ChatCompletion& completion() const { return completion_; }

 private:
  ChatChoice& Choice(int index);

  const std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::size_t chunks_ = 0;
  bool done_ = false;
  ChatCompletion completion_;
};

}  // namespace recipe_rag::llm
