// Server: an HTTP/1.1 server on Boost.Beast with one C++20 coroutine per connection.
//
// Keep-alive and pipelining; per-connection deadlines for headers, idle keep-alive and
// request handling; header and body limits (431, 413); X-Request-Id in and out; one JSON
// access-log line per request (never the Authorization header). Shutdown() stops accepting,
// closes idle connections, lets in-flight requests finish within the drain timeout, then
// makes Run() return.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/handler.h"

namespace recipe_rag::observability {
class Logger;
}

namespace recipe_rag::http {

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
};

class Server {
 public:
  // `handler` and `logger` must outlive the server.
  Server(ServerOptions options, Handler& handler, observability::Logger& logger);
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
