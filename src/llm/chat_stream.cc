#include "llm/chat_stream.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

namespace recipe_rag::llm {
namespace {

using Json = nlohmann::json;

// More choices (`n`) or tool calls per message than any real request asks for: an index past
// this is a broken stream, not a reason to allocate.
constexpr long kMaxIndex = 128;

core::Error Malformed(std::string what) {
  return core::Error::InvalidArgument("chat stream: " + std::move(what));
}

// The string at `key`, or null when it is absent, null or not a string.
const std::string* String(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// The index at `key`: an integer in [0, kMaxIndex).
std::optional<int> Index(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  const auto value = it->get<long>();
  if (value < 0 || value >= kMaxIndex) return std::nullopt;
  return static_cast<int>(value);
}

// Appends object[key] to `to` when it is a string, adding its size to `bytes`.
void Append(const Json& object, const char* key, std::string& to, std::size_t& bytes) {
  if (const auto* s = String(object, key)) {
    to += *s;
    bytes += s->size();
  }
}

long Count(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<long>() : 0;
}

}  // namespace

Usage ParseUsage(const Json& usage) {
  Usage u{Count(usage, "prompt_tokens"), Count(usage, "completion_tokens"),
          Count(usage, "total_tokens"), 0};
  if (const auto details = usage.find("prompt_tokens_details");
      details != usage.end() && details->is_object()) {
    u.cached_tokens = std::min(Count(*details, "cached_tokens"), u.prompt_tokens);
  }
  return u;
}

ChatChoice& ChatStream::Choice(int index) {
  auto& choices = completion_.choices;
  auto it = std::lower_bound(choices.begin(), choices.end(), index,
                             [](const ChatChoice& c, int i) { return c.index < i; });
  if (it == choices.end() || it->index != index) {
    it = choices.insert(it, ChatChoice{});
    it->index = index;
  }
  return *it;
}

core::Status ChatStream::Add(std::string_view data) {
  if (done_) return Malformed("data after [DONE]");
  if (data == "[DONE]") {
    done_ = true;
    return core::Status::Ok();
  }
  const auto chunk = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) return Malformed("a chunk is not a JSON object");
  if (const auto error = chunk.find("error"); error != chunk.end() && error->is_object()) {
    const auto* message = String(*error, "message");
    return core::Error::Unavailable(
        "upstream error mid-stream: " + (message != nullptr ? *message : std::string("unknown")),
        std::chrono::seconds(0));
  }
  ++chunks_;
  if (const auto* s = String(chunk, "id")) completion_.id = *s;
  if (const auto* s = String(chunk, "model")) completion_.model = *s;
  if (const auto* s = String(chunk, "system_fingerprint")) completion_.system_fingerprint = *s;
  if (const auto created = Count(chunk, "created"); created != 0) completion_.created = created;
  if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    completion_.usage = ParseUsage(*usage);
  }
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) return Malformed("a chunk has no choices");
  for (const auto& c : *choices) {
    if (!c.is_object()) return Malformed("a choice is not an object");
    const auto index = Index(c, "index");
    if (!index) return Malformed("a choice has no valid index");
    auto& choice = Choice(*index);
    if (const auto* s = String(c, "finish_reason")) choice.finish_reason = *s;
    const auto delta = c.find("delta");
    if (delta == c.end() || !delta->is_object()) continue;
    if (const auto* s = String(*delta, "role")) choice.role = *s;
    Append(*delta, "content", choice.content, bytes_);
    Append(*delta, "refusal", choice.refusal, bytes_);
    const auto calls = delta->find("tool_calls");
    if (calls == delta->end() || !calls->is_array()) continue;
    for (const auto& t : *calls) {
      if (!t.is_object()) return Malformed("a tool call is not an object");
      const auto call_index = Index(t, "index");
      if (!call_index) return Malformed("a tool call has no valid index");
      if (choice.tool_calls.size() <= static_cast<std::size_t>(*call_index)) {
        choice.tool_calls.resize(static_cast<std::size_t>(*call_index) + 1);
      }
      auto& call = choice.tool_calls[static_cast<std::size_t>(*call_index)];
      if (const auto* s = String(t, "id")) call.id = *s;
      const auto function = t.find("function");
      if (function == t.end() || !function->is_object()) continue;
      Append(*function, "name", call.name, bytes_);
      Append(*function, "arguments", call.arguments, bytes_);
    }
  }
  if (bytes_ > max_bytes_) return Malformed("more text than allowed");
  return core::Status::Ok();
}

}  // namespace recipe_rag::llm
