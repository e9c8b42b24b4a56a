// Server: an HTTP/1.1 server on Boost.Beast with one C++20 coroutine per connection.
//
// Keep-alive and pipelining; per-connection deadlines for headers, idle keep-alive and
// request handling; header and body limits (431, 413); X-Request-Id in and out; a root span
// per request (continuing an inbound W3C traceparent) and its trace id in X-Trace-Id; one JSON
// access-log line per request (never the Authorization header) with request and trace ids.
// Shutdown() stops accepting, closes idle connections, lets in-flight requests finish within the
// drain timeout, then makes Run() return.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/handler.h"

namespace recipe_rag::observability {
class Logger;
class Metrics;
class Tracer;
}  // namespace recipe_rag::observability

namespace recipe_rag::http {

// One finished request, as the server saw it: for metrics and per-request metric lines.
struct RequestSummary {
  std::string_view method;
  std::string_view route;  // the matched route pattern, "-" when none
  int status = 0;
  std::chrono::nanoseconds duration{0};  // first byte read to last byte written
  std::size_t bytes = 0;                 // response body bytes sent
  std::string_view request_id;
  std::string_view trace_id;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port
  int io_threads = 1;
  std::size_t body_limit_bytes = 1 << 20;
  std::size_t header_limit_bytes = 16 << 10;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds drain_timeout{20'000};
  int max_connections = 10'000;
  bool access_log = true;
  // Called on the I/O thread after each response (also protocol errors); must be cheap and must
  // not block.
  std::function<void(const RequestSummary&)> on_request;
};

class Server {
 public:
  // `handler`, `logger` and `tracer` must outlive the server. Without a tracer, requests still
  // get trace ids but record no spans.
  Server(ServerOptions options, Handler& handler, observability::Logger& logger,
         const observability::Tracer* tracer = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Returns the bound address "HOST:PORT". Unavailable when the address
  // cannot be bound (in use, permission).
  core::Result<std::string> Listen();

  // Serves on io_threads threads (the caller's is one of them) until shutdown completes.
  // SIGTERM and SIGINT call `on_shutdown_signal` (on an I/O thread), then Shutdown().
  void Run(std::function<void()> on_shutdown_signal);

  // Starts the drain. Thread-safe and idempotent.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace recipe_rag::http
