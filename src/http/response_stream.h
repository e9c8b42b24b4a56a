// ResponseStream: a response body written while the response is already on the wire
// (server-sent events, streamed chat completions).
//
// A handler puts one in Response::stream and calls `respond` as soon as the head is known; it
// (or whatever it hands the stream to) then calls Write() for each piece and Close() at the
// end, from any thread. The server sends the pieces in order with chunked transfer coding.
//
// The client going away — a failed write, or the server shutting down — cancels the stream:
// Write() returns false from then on and the OnCancel() callback runs once, so the producer can
// stop its own upstream work. Pieces wait in a queue bounded in bytes; a client that falls that
// far behind is treated as gone (a slow reader must not grow the server's memory).
//
// The server notices a vanished client when a write fails, so while nothing else is written it
// sends `heartbeat` (an SSE comment by default) every heartbeat_interval.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace recipe_rag::http {

class ResponseStream {
 public:
  struct Options {
    std::size_t max_pending_bytes = 1 << 20;
    std::chrono::milliseconds heartbeat_interval{5'000};
    std::string heartbeat = ": keep-alive\n\n";  // "" sends nothing
  };
  ResponseStream() : ResponseStream(Options{}) {}
  explicit ResponseStream(Options options) : options_(std::move(options)) {}

  // --- producer side (any thread) ---

  // Queues a piece. False when the stream is cancelled or closed (the piece is dropped), or
  // when this piece would pass max_pending_bytes (the stream is then cancelled).
  bool Write(std::string piece);
  // Ends the body after the queued pieces. Idempotent.
  void Close();
  // Runs `fn` once when the stream is cancelled before it was closed and drained; at once when
  // that has already happened. Replaces an earlier callback. `fn` must not block.
  void OnCancel(std::function<void()> fn);
  bool cancelled() const;

  // --- server side ---

  // What the server may send next.
  enum class Next { kPieces, kWait, kEnd };
  // Moves the queued pieces into *out (kPieces); kEnd once closed and drained, or cancelled;
  // kWait when there is nothing yet: `wake` has then been stored and runs once (from the
  // producer's thread) when there is.
  Next Take(std::string* out, std::function<void()> wake);
  // The client is gone or the server gives up: drops the queue and runs the cancel callback.
  void Cancel();

  const Options& options() const { return options_; }

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::string pending_;  // queued pieces, concatenated (the server sends them as one chunk)
  bool closed_ = false;
  bool cancelled_ = false;
  std::function<void()> wake_;
  std::function<void()> on_cancel_;
};

}  // namespace recipe_rag::http
