// ServingThread: a real http::Server on 127.0.0.1 (a free port) running on its own thread,
// answering through a test's Handler. For tests of HTTP clients. The destructor drains the
// server and joins the thread.
#pragma once

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "http/handler.h"
#include "http/server.h"
#include "observability/logger.h"

namespace recipe_rag::testing {

class ServingThread {
 public:
  // `handler` must outlive this object. address() is empty when the server could not listen.
  explicit ServingThread(http::Handler& handler)
      : logger_(STDERR_FILENO, observability::LogLevel::kError) {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 1;
    options.access_log = false;
    options.drain_timeout = std::chrono::milliseconds(2'000);
    server_ = std::make_unique<http::Server>(options, handler, logger_);
    auto address = server_->Listen();
    if (!address.ok()) return;
    address_ = *address;
    thread_ = std::thread([this] { server_->Run(nullptr); });
  }
  ~ServingThread() {
    if (thread_.joinable()) {
      server_->Shutdown();
      thread_.join();
    }
  }
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

  const std::string& address() const { return address_; }  // "127.0.0.1:PORT"
  std::string url() const { return "http://" + address_; }

 private:
  observability::Logger logger_;
  std::unique_ptr<http::Server> server_;
  std::string address_;
  std::thread thread_;
};

}  // namespace recipe_rag::testing
