// SseParser: incremental parser of a `text/event-stream` body (the HTML Living Standard's
// "event stream interpretation"), as OpenAI-compatible servers stream chat completions.
//
// Bytes go in as they arrive, split anywhere (inside a line, inside a UTF-8 sequence,
// between "\r" and "\n"); every complete event comes out once, in order. Lines end with
// "\n", "\r\n" or "\r"; a leading byte-order mark is skipped; lines starting with ":" are
// comments; `data` lines of one event are joined with "\n"; an event is dispatched at a blank
// line and only if it has data (so a stream cut before its blank line loses that last partial
// event, as the standard says). `id` and `retry` are kept as the standard describes.
//
// Bounded: a line or an event's data longer than `max_event_bytes` is an error (the stream is
// then unusable: every later Feed returns the same error). Not thread-safe; one per stream.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace recipe_rag::http {

struct SseEvent {
  std::string type = "message";  // the `event` field, "message" when absent
  std::string data;              // `data` lines joined by "\n"
  std::string last_event_id;     // the stream's last `id` so far
};

class SseParser {
 public:
  using Sink = std::function<void(SseEvent&&)>;

  explicit SseParser(Sink sink, std::size_t max_event_bytes = 1 << 20)
      : sink_(std::move(sink)), max_event_bytes_(max_event_bytes) {}

  // Parses `bytes`, calling the sink for each event completed. InvalidArgument when a line
  // or an event outgrows the bound.
  core::Status Feed(std::string_view bytes);

  // The reconnection time the stream asked for (`retry`, in milliseconds), if any.
  std::optional<long> retry_ms() const { return retry_ms_; }

 private:
  void Line(std::string_view line);
  void Dispatch();

  Sink sink_;
  const std::size_t max_event_bytes_;
  std::string line_;       // the current, unfinished line
  bool after_cr_ = false;  // the last byte was "\r": a following "\n" ends nothing new
  bool started_ = false;   // past the optional byte-order mark
  bool failed_ = false;
  std::string data_;  // the current event's data, "\n" after each line
  bool has_data_ = false;
  std::string type_;
  std::string last_event_id_;
  std::optional<long> retry_ms_;
};

}  // namespace recipe_rag::http
