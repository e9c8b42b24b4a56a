// AsyncClient: the service's outbound HTTP/1.1 client (LLM and embedding providers).
//
// Boost.Beast over Asio, TLS through OpenSSL with certificate and host-name verification on by
// default. The client owns its I/O threads; a request is started from any thread and reports
// through callbacks on those threads, so a caller never blocks waiting for an upstream.
//
// Connections are pooled per origin (scheme, host, port) and reused with keep-alive; a
// connection is returned to the pool only after a complete response that allows reuse. Four
// deadlines bound every request: connect (resolve + TCP + proxy CONNECT + TLS handshake),
// first byte (request written → response head; it bounds writing the request too), between
// body chunks, and in total. A pooled connection that turns out to have been closed by the
// server while idle (the write fails or the connection ends before any response byte) is
// replaced once by a fresh one, transparently. `HTTPS_PROXY`
// (`https_proxy`) is honoured for https origins and `HTTP_PROXY` (`http_proxy`) for http ones,
// through a CONNECT tunnel, except for hosts matched by `NO_PROXY` (`no_proxy`).
//
// Thread-safe. The destructor cancels whatever is in flight (each on_done runs with Cancelled)
// and joins the threads; it must not run on one of them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace recipe_rag::http {

// An origin plus a base path: "http[s]://HOST[:PORT][/BASE]".
struct Origin {
  bool tls = false;
  std::string host;              // name or IP address (IPv6 without brackets)
  std::uint16_t port = 0;        // 80 / 443 when the URL has none
  std::string base_path;         // "" or "/v1" (no trailing slash), prefixed to request targets
  std::string ToString() const;  // "https://HOST:PORT/BASE"
};

// InvalidArgument for anything but http:// or https:// with a host, an optional port 1..65535
// and an optional path (no query, fragment or user info).
// `what` starts each error message (the URL itself is not echoed: it may hold a secret).
core::Result<Origin> ParseOrigin(std::string_view url, std::string_view what = "upstream URL");

struct AsyncClientOptions {
  int threads = 1;  // I/O threads owned by the client
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds first_byte_timeout{60'000};
  std::chrono::milliseconds chunk_timeout{30'000};
  std::chrono::milliseconds total_timeout{120'000};
  std::size_t max_idle_per_origin = 64;        // idle keep-alive connections kept per origin
  std::chrono::milliseconds idle_ttl{30'000};  // idle connections older than this are closed
  std::size_t body_limit_bytes = 32 << 20;     // larger response bodies fail the request
  bool verify_tls = true;                      // off only for local test upstreams
  std::string ca_file;                         // extra PEM bundle to trust ("" = system store)
  // Proxy settings, usually filled from the environment variables named above by
  // ApplyProxyEnvironment() (the client itself never reads the environment).
  std::optional<Origin> https_proxy;
  std::optional<Origin> http_proxy;
  std::vector<std::string> no_proxy;  // host suffixes; "*" = every host
};

// Reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY (upper case first, then lower case) into
// `options`. A proxy URL that does not parse is an InvalidArgument naming the variable.
core::Status ApplyProxyEnvironment(AsyncClientOptions& options);

struct OutboundRequest {
  std::string method = "POST";
  std::string target;           // path (+ "?query"), appended to the origin's base_path
  std::vector<Header> headers;  // Host, Content-Length and User-Agent are added when absent
  std::string body;
  // Tighter deadlines for this request (zero: the client's options).
  std::chrono::milliseconds total_timeout{0};
  std::chrono::milliseconds first_byte_timeout{0};
};

// Callbacks of one request, run on the client's threads, one at a time and in this order:
// on_head once when the response head arrives, on_body for each piece of the body as it is
// read (chunked transfer coding already removed), then on_done exactly once. on_done alone
// runs when the request fails before a head arrives. A callback must not block.
struct ResponseCallbacks {
  std::function<void(int status, const std::vector<Header>& headers)> on_head;
  std::function<void(std::string_view piece)> on_body;
  // OK after the whole body; otherwise Unavailable (cannot resolve or connect, TLS handshake
  // or certificate check failed, proxy refused the tunnel, connection reset or closed early,
  // malformed response, body over the limit), DeadlineExceeded (a deadline passed; the message
  // names which one), Cancelled, or InvalidArgument when the request cannot be sent as given
  // (a method, target or header that is not valid HTTP, e.g. a value with a line break).
  // Messages name the origin's HOST:PORT, never a header value, body or path.
  std::function<void(core::Status)> on_done;
};

// A request in flight. Cancel() stops it from any thread: the connection is closed and on_done
// runs with Cancelled unless the request already finished. Idempotent.
class Call {
 public:
  virtual ~Call() = default;
  virtual void Cancel() = 0;
};

// The step a multi-step operation (retries, fallbacks, tool rounds) is waiting on, so that one
// Cancel() stops whichever step is in flight and every later one. Thread-safe.
class CallSlot {
 public:
  // Makes `call` the current step; cancels it at once when Cancel() came first.
  void Track(std::shared_ptr<Call> call) {
    {
      std::lock_guard lock(mu_);
      current_ = call;
      if (!cancelled_) return;
    }
    call->Cancel();
  }
  void Cancel() {
    std::shared_ptr<Call> current;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      current = current_;
    }
    if (current) current->Cancel();
  }
  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::shared_ptr<Call> current_;
};

class AsyncClient {
 public:
  explicit AsyncClient(AsyncClientOptions options);
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  std::shared_ptr<Call> Start(const Origin& origin, OutboundRequest request,
                              ResponseCallbacks callbacks);

  // Runs `fn` on one of the client's threads after `delay` (a retry's wait), unless the
  // returned handle is cancelled first: then `on_cancel` runs instead (on the cancelling
  // thread or a client thread). Exactly one of the two runs, also when the client is destroyed.
  std::shared_ptr<Call> RunAfter(std::chrono::milliseconds delay, std::function<void()> fn,
                                 std::function<void()> on_cancel);

  struct Stats {
    std::uint64_t connections_opened = 0;  // TCP connections made (each reuse saves one)
    std::uint64_t requests = 0;            // requests started
    std::size_t idle_connections = 0;      // in the pool now
  };
  Stats stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace recipe_rag::http
