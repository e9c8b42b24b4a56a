#include "http/async_client.h"

#include <openssl/ssl.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cassert>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/strings.h"

namespace recipe_rag::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kPieceBytes = 16 << 10;     // the largest piece one on_body call gets
constexpr std::uint32_t kHeaderLimit = 64 << 10;  // response heads (Beast's default is 8 KiB)
constexpr std::string_view kUserAgent = "recipe-rag";

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Strand = asio::strand<asio::io_context::executor_type>;

// One upstream connection: plain TCP or TLS (either possibly inside a proxy tunnel).
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;  // bytes read past the last parsed message head or body
  Clock::time_point idle_since;

  tcp::socket& socket() { return tls ? beast::get_lowest_layer(*tls).socket() : plain->socket(); }
};

// What one exchange on one connection came to.
struct Outcome {
  core::Status status;
  bool retryable = false;  // failed before any response byte: a fresh connection may succeed
  bool reusable = false;   // complete response with keep-alive and nothing left over
};

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string HostPort(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// `budget` from now; never for a zero budget (no limit).
Clock::time_point After(std::chrono::milliseconds budget) {
  return budget.count() > 0 ? Clock::now() + budget : Clock::time_point::max();
}

// The peer went away (closed or reset) rather than sending something we cannot read.
bool IsConnectionLoss(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

// RFC 9110 token characters (methods and header names).
bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Printable ASCII without spaces: safe to put in a request line or a Host header.
bool IsVisible(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool IsFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool NoProxyMatches(const std::vector<std::string>& no_proxy, const std::string& host) {
  const std::string name = core::ToLowerAscii(host);
  for (const auto& raw : no_proxy) {
    std::string entry = core::ToLowerAscii(core::Trim(raw));
    if (entry == "*") return true;
    while (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (entry.empty()) continue;
    if (name == entry) return true;
    if (name.size() > entry.size() && name.ends_with(entry) &&
        name[name.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

core::Error Unavailable(std::string message) {
  return core::Error::Unavailable(std::move(message), std::chrono::seconds(0));
}

}  // namespace

class AsyncClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  class CallState;
  class TimerCall;

  explicit Impl(AsyncClientOptions options);
  ~Impl() { Shutdown(); }

  std::shared_ptr<Call> Start(const Origin& origin, OutboundRequest request,
                              ResponseCallbacks callbacks);
  std::shared_ptr<Call> RunAfter(std::chrono::milliseconds delay, std::function<void()> fn,
                                 std::function<void()> on_cancel);
  // Cancels every call in flight, joins the threads and closes the idle connections.
  void Shutdown();
  Stats stats() const { return {connections_opened_.load(), requests_.load(), idle_count_.load()}; }

 private:
  void ShutdownOrThrow();
  // The proxy to tunnel through for `origin`, or null for a direct connection.
  const Origin* ProxyFor(const Origin& origin) const;
  // A pooled connection to `key` younger than idle_ttl (most recently used first), or null.
  std::unique_ptr<Connection> TakeIdle(const std::string& key);
  void ReturnIdle(const std::string& key, std::unique_ptr<Connection> conn);
  // Drops idle connections that reached idle_ttl; the caller destroys them unlocked.
  void ExpireLocked(std::vector<std::unique_ptr<Connection>>& out);
  void ArmSweep();
  // Posts to a call's strand unless the threads are being joined (the work would never run).
  void Post(Strand& strand, std::function<void()> fn);
  void Unregister(std::uint64_t id);
  void UnregisterTimer(std::uint64_t id);

  const AsyncClientOptions options_;
  asio::io_context ioc_;  // before every I/O object below: they must be destroyed first
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  ssl::context tls_ctx_{ssl::context::tls_client};
  bool tls_ready_ = true;  // false when the CA file could not be loaded
  Strand sweep_strand_;
  asio::steady_timer sweep_timer_;
  std::vector<std::thread> threads_;

  std::atomic<bool> stopping_{false};
  std::mutex calls_mu_;
  bool posts_closed_ = false;
  std::uint64_t next_call_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<CallState>> calls_;
  std::unordered_map<std::uint64_t, std::weak_ptr<TimerCall>> timers_;

  std::mutex pool_mu_;
  // Per origin key, oldest first.
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> pool_;

  std::atomic<std::uint64_t> connections_opened_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::size_t> idle_count_{0};
};

// GCC 12 with sanitizers reports Asio's matched aligned operator new/delete pair for coroutine
// frames as mismatched (-Wmismatched-new-delete, a false positive; see client.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// One request: a coroutine on its own strand plus the watchdog that enforces its deadlines.
// Everything below the atomics is touched only on the strand, so Abort() (posted there by
// Cancel() or run by the watchdog) never races the coroutine: it can only run while the
// coroutine waits on the socket or resolver it closes.
class AsyncClient::Impl::CallState : public Call, public std::enable_shared_from_this<CallState> {
 public:
  CallState(std::shared_ptr<Impl> impl, std::uint64_t id, const Origin& origin,
            OutboundRequest request, ResponseCallbacks callbacks)
      : impl_(std::move(impl)),
        id_(id),
        origin_(origin),
        where_(HostPort(origin.host, origin.port)),
        key_((origin.tls ? "https://" : "http://") + where_),
        request_(std::move(request)),
        callbacks_(std::move(callbacks)),
        strand_(asio::make_strand(impl_->ioc_)),
        timer_(strand_) {}

  void Cancel() override {
    if (cancel_requested_.exchange(true)) return;
    impl_->Post(strand_, [self = shared_from_this()] {
      self->Abort(core::Error::Cancelled("upstream call cancelled"));
    });
  }

  void Spawn() {
    asio::co_spawn(strand_, Run(shared_from_this()), [](const std::exception_ptr&) {
      // Run() catches everything it can; only a throwing on_done gets here, and the call
      // is over by then.
    });
  }

 private:
  asio::awaitable<void> Run(std::shared_ptr<CallState> /*keep_alive*/) {
    core::Status status;
    try {
      status = co_await Attempts();
    } catch (...) {  // a throwing callback or allocation: on_done must still run once
      status = core::Error::Internal("upstream call failed unexpectedly");
    }
    Finish(std::move(status));
  }

  // Closes whatever the coroutine waits on so that it sees `error`. Runs on the strand.
  void Abort(core::Error error) {
    if (done_ || aborted_) return;
    aborted_ = std::move(error);
    beast::error_code ignored;
    if (resolver_ != nullptr) resolver_->cancel();
    if (socket_ != nullptr) socket_->close(ignored);
  }

  // The error to report for a failed step: an abort wins over what the I/O saw.
  core::Error Failed(std::string message) const {
    if (aborted_) return *aborted_;
    if (cancel_requested_) return core::Error::Cancelled("upstream call cancelled");
    return Unavailable(std::move(message));
  }
  bool Stopped() const { return aborted_.has_value() || cancel_requested_; }

  core::Error IoError(const beast::error_code& ec) const {
    if (ec == bhttp::error::body_limit) {
      return Failed("upstream response body is over the limit of " +
                    std::to_string(impl_->options_.body_limit_bytes) + " bytes (" + where_ + ")");
    }
    if (IsConnectionLoss(ec)) {
      return Failed("upstream closed the connection before the response ended (" + where_ + ")");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      return Failed("upstream sent a malformed HTTP response (" + where_ + ")");
    }
    return Failed("upstream I/O error (" + where_ + "): " + ec.message());
  }

  // Deadlines. The timer waits for the earlier of the phase and total deadlines; a phase
  // deadline that moves later (the next chunk) costs nothing until the timer fires.
  void Watch(std::chrono::milliseconds budget, const char* phase) {
    phase_at_ = After(budget);
    phase_ = phase;
    phase_budget_ = budget;
    const auto due = std::min(phase_at_, total_at_);
    if (!timer_waiting_ || due < timer_.expiry()) WaitUntil(due);
  }
  void WaitUntil(Clock::time_point due) {
    timer_.expires_at(due);
    timer_waiting_ = true;
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](const beast::error_code&) {
      self->OnTimer(gen);
    });
  }
  void OnTimer(std::uint64_t gen) {
    if (gen != timer_gen_ || done_) return;  // superseded or finished
    timer_waiting_ = false;
    const auto now = Clock::now();
    const auto expired = [this](const char* what, std::chrono::milliseconds budget) {
      return core::Error::DeadlineExceeded("upstream timeout: " + std::string(what) + " (" +
                                           std::to_string(budget.count()) + " ms, " + where_ + ")");
    };
    if (now >= total_at_) {
      Abort(expired("total", total_budget_));
    } else if (now >= phase_at_) {
      Abort(expired(phase_, phase_budget_));
    } else {
      WaitUntil(std::min(phase_at_, total_at_));
    }
  }

  void Finish(core::Status status) {
    if (done_) return;
    done_ = true;
    ++timer_gen_;
    timer_.cancel();
    impl_->Unregister(id_);
    auto callbacks = std::move(callbacks_);  // released (with their captures) after on_done
    callbacks_ = {};
    if (callbacks.on_done) callbacks.on_done(std::move(status));
  }

  core::Status BuildMessage() {
    if (!IsToken(request_.method)) return core::Error::InvalidArgument("invalid request method");
    std::string target = origin_.base_path + request_.target;
    if (target.empty()) target = "/";
    if (!IsVisible(target)) return core::Error::InvalidArgument("invalid request target");
    message_.method_string(request_.method);
    message_.target(target);
    message_.version(11);
    for (const auto& h : request_.headers) {
      // Never echo a header: values are often credentials.
      if (!IsToken(h.name) || !IsFieldValue(h.value)) {
        return core::Error::InvalidArgument("invalid request header");
      }
      message_.insert(h.name, h.value);
    }
    if (message_.find(bhttp::field::host) == message_.end()) {
      const bool default_port = origin_.port == (origin_.tls ? 443 : 80);
      const bool ipv6 = origin_.host.find(':') != std::string::npos;
      message_.set(bhttp::field::host,
                   default_port ? (ipv6 ? "[" + origin_.host + "]" : origin_.host) : where_);
    }
    if (message_.find(bhttp::field::user_agent) == message_.end()) {
      message_.set(bhttp::field::user_agent, kUserAgent);
    }
    const auto verb = message_.method();
    if (message_.find(bhttp::field::content_length) == message_.end() &&
        message_.find(bhttp::field::transfer_encoding) == message_.end() &&
        (!request_.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
         verb == bhttp::verb::patch)) {
      message_.content_length(request_.body.size());
    }
    message_.body() = std::move(request_.body);
    return core::Status::Ok();
  }

  asio::awaitable<core::Status> Attempts() {
    if (auto built = BuildMessage(); !built.ok()) co_return built;
    total_budget_ =
        request_.total_timeout.count() > 0 ? request_.total_timeout : impl_->options_.total_timeout;
    total_at_ = After(total_budget_);
    Watch(std::chrono::milliseconds(0), "");
    for (int attempt = 0;; ++attempt) {
      if (Stopped()) co_return Failed("");
      auto conn = attempt == 0 ? impl_->TakeIdle(key_) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) {
        auto connected = co_await Connect();
        socket_ = nullptr;
        if (!connected.ok()) co_return std::move(connected).error();
        conn = std::move(connected).value();
      }
      socket_ = &conn->socket();
      Outcome outcome;
      if (conn->tls) {
        outcome = co_await Exchange(*conn->tls, *conn);
      } else {
        outcome = co_await Exchange(*conn->plain, *conn);
      }
      socket_ = nullptr;
      // A pooled connection the server closed while it sat idle: the request never reached
      // it, so one fresh connection is transparent to the caller.
      if (!outcome.status.ok() && outcome.retryable && reused && !delivered_ && !Stopped()) {
        continue;
      }
      if (outcome.status.ok() && outcome.reusable) impl_->ReturnIdle(key_, std::move(conn));
      co_return outcome.status;
    }
  }

  // Resolve, TCP connect, proxy CONNECT and TLS handshake, all under connect_timeout.
  asio::awaitable<core::Result<std::unique_ptr<Connection>>> Connect() {
    const Origin* proxy = impl_->ProxyFor(origin_);
    const std::string& host = proxy != nullptr ? proxy->host : origin_.host;
    const std::uint16_t port = proxy != nullptr ? proxy->port : origin_.port;
    const std::string peer = proxy != nullptr ? "proxy " + HostPort(host, port) : where_;
    if (origin_.tls && !impl_->tls_ready_) {
      co_return Failed("upstream TLS is not usable: the CA file could not be loaded");
    }
    Watch(impl_->options_.connect_timeout, "connect");

    tcp::resolver resolver(strand_);
    resolver_ = &resolver;
    auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), kNoThrow);
    resolver_ = nullptr;
    if (rec || Stopped()) co_return Failed("cannot resolve upstream host (" + peer + ")");

    auto conn = std::make_unique<Connection>();
    conn->plain.emplace(impl_->ioc_.get_executor());
    socket_ = &conn->plain->socket();
    auto [cec, endpoint] = co_await conn->plain->async_connect(endpoints, kNoThrow);
    if (cec || Stopped()) {
      if (cec == asio::error::connection_refused) {
        co_return Failed("upstream connection refused (" + peer + ")");
      }
      co_return Failed("cannot connect to upstream (" + peer + "): " + cec.message());
    }
    ++impl_->connections_opened_;
    beast::error_code ignored;
    conn->plain->socket().set_option(tcp::no_delay(true), ignored);

    if (proxy != nullptr) {
      auto tunnel = co_await Tunnel(*conn, peer);
      if (!tunnel.ok()) co_return tunnel.error();
    }
    if (origin_.tls) {
      if (conn->buffer.size() != 0) {
        co_return Failed("upstream proxy sent data before the TLS handshake (" + peer + ")");
      }
      conn->tls.emplace(std::move(*conn->plain), impl_->tls_ctx_);
      conn->plain.reset();
      socket_ = &conn->socket();
      // SNI carries names only (RFC 6066).
      if (!IsIpAddress(origin_.host) &&
          SSL_set_tlsext_host_name(conn->tls->native_handle(), origin_.host.c_str()) != 1) {
        co_return Failed("cannot set the TLS server name (" + where_ + ")");
      }
      if (impl_->options_.verify_tls) {
        conn->tls->set_verify_callback(ssl::host_name_verification(origin_.host));
      }
      auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, kNoThrow);
      if (hec || Stopped()) {
        co_return Failed("upstream TLS handshake failed (" + where_ + "): " + hec.message());
      }
    }
    co_return std::move(conn);
  }

  // CONNECT HOST:PORT through the proxy; a 2xx opens the tunnel.
  asio::awaitable<core::Status> Tunnel(Connection& conn, const std::string& peer) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, where_, 11};
    req.set(bhttp::field::host, where_);
    req.set(bhttp::field::user_agent, kUserAgent);
    auto [wec, wn] = co_await bhttp::async_write(*conn.plain, req, kNoThrow);
    if (wec || Stopped()) co_return Failed("upstream proxy write failed (" + peer + ")");
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);  // a 2xx to CONNECT has no body, whatever its headers say
    auto [rec, rn] = co_await bhttp::async_read_header(*conn.plain, conn.buffer, parser, kNoThrow);
    if (rec || Stopped()) co_return Failed("upstream proxy did not answer CONNECT (" + peer + ")");
    const unsigned status = parser.get().result_int();
    if (status / 100 != 2) {
      co_return Failed("upstream proxy refused the tunnel to " + where_ + " with status " +
                       std::to_string(status) + " (" + peer + ")");
    }
    co_return core::Status::Ok();
  }

  // Writes the request and streams the response to the callbacks.
  template <class Stream>
  asio::awaitable<Outcome> Exchange(Stream& stream, Connection& conn) {
    const auto first_byte = request_.first_byte_timeout.count() > 0
                                ? request_.first_byte_timeout
                                : impl_->options_.first_byte_timeout;
    Watch(first_byte, "first byte");  // bounds the write too
    auto [wec, wn] = co_await bhttp::async_write(stream, message_, kNoThrow);
    if (wec || Stopped()) co_return Outcome{IoError(wec), IsConnectionLoss(wec)};
    Watch(first_byte, "first byte");

    std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
    do {  // skipping interim 1xx heads (101 would be a protocol switch: not ours to handle)
      parser.emplace();
      parser->header_limit(kHeaderLimit);
      parser->body_limit(impl_->options_.body_limit_bytes);
      if (message_.method() == bhttp::verb::head) parser->skip(true);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, conn.buffer, *parser, kNoThrow);
      if (hec || Stopped()) {
        const bool nothing_read = !parser->got_some() && conn.buffer.size() == 0;
        co_return Outcome{IoError(hec), nothing_read && IsConnectionLoss(hec)};
      }
    } while (parser->get().result_int() / 100 == 1 && parser->get().result_int() != 101);

    std::vector<Header> headers;
    headers.reserve(16);
    for (const auto& field : parser->get()) {
      headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    delivered_ = true;
    if (callbacks_.on_head) {
      callbacks_.on_head(static_cast<int>(parser->get().result_int()), headers);
    }

    std::vector<char> piece(kPieceBytes);
    while (!parser->is_done()) {
      if (Stopped()) co_return Outcome{Failed("")};
      auto& body = parser->get().body();
      body.data = piece.data();
      body.size = piece.size();
      Watch(impl_->options_.chunk_timeout, "between chunks");
      auto [ec, n] = co_await bhttp::async_read_some(stream, conn.buffer, *parser, kNoThrow);
      if (ec == bhttp::error::need_buffer) ec = {};
      // TLS peers often close without close_notify; for a body that ends at EOF that is the end.
      if (ec == ssl::error::stream_truncated && parser->need_eof() && parser->got_some()) {
        parser->put_eof(ec);
      }
      if (ec || Stopped()) co_return Outcome{IoError(ec)};
      const std::size_t got = piece.size() - parser->get().body().size;
      if (got > 0 && callbacks_.on_body) callbacks_.on_body(std::string_view(piece.data(), got));
    }
    if (Stopped()) co_return Outcome{Failed("")};
    Watch(std::chrono::milliseconds(0), "");
    co_return Outcome{core::Status::Ok(), false,
                      parser->keep_alive() && !parser->need_eof() && conn.buffer.size() == 0};
  }

  std::shared_ptr<Impl> impl_;  // first: the strand and timer below need the io_context
  const std::uint64_t id_;
  const Origin origin_;
  const std::string where_;  // "HOST:PORT" of the origin, for messages
  const std::string key_;    // pool key
  OutboundRequest request_;
  ResponseCallbacks callbacks_;
  Strand strand_;
  asio::steady_timer timer_;
  std::atomic<bool> cancel_requested_{false};

  // Strand-only state.
  bool done_ = false;
  bool delivered_ = false;  // on_head ran: a retry would show the caller a second response
  std::optional<core::Error> aborted_;
  tcp::resolver* resolver_ = nullptr;  // what Abort() closes, while the coroutine waits on it
  tcp::socket* socket_ = nullptr;
  bhttp::request<bhttp::string_body> message_;
  Clock::time_point total_at_ = Clock::time_point::max();
  Clock::time_point phase_at_ = Clock::time_point::max();
  const char* phase_ = "";
  std::chrono::milliseconds phase_budget_{0};
  std::chrono::milliseconds total_budget_{0};
  std::uint64_t timer_gen_ = 0;
  bool timer_waiting_ = false;
};

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// A wait that runs one of two functions: `fn` when the delay passes, `on_cancel` when Cancel()
// (or the client's shutdown) comes first. The `done_` flag decides which, once.
class AsyncClient::Impl::TimerCall : public Call, public std::enable_shared_from_this<TimerCall> {
 public:
  TimerCall(std::shared_ptr<Impl> impl, std::uint64_t id, std::function<void()> fn,
            std::function<void()> on_cancel)
      : impl_(std::move(impl)),
        id_(id),
        strand_(asio::make_strand(impl_->ioc_)),
        timer_(strand_),
        fn_(std::move(fn)),
        on_cancel_(std::move(on_cancel)) {}

  void Arm(std::chrono::milliseconds delay) {
    impl_->Post(strand_, [self = shared_from_this(), delay] {
      self->timer_.expires_after(delay);
      self->timer_.async_wait([self](const beast::error_code& ec) {
        if (ec || self->done_.exchange(true)) return;
        self->impl_->UnregisterTimer(self->id_);
        self->fn_();
      });
    });
  }

  void Cancel() override {
    if (done_.exchange(true)) return;
    impl_->UnregisterTimer(id_);
    impl_->Post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
    on_cancel_();
  }

 private:
  const std::shared_ptr<Impl> impl_;
  const std::uint64_t id_;
  Strand strand_;
  asio::steady_timer timer_;
  std::function<void()> fn_;
  std::function<void()> on_cancel_;
  std::atomic<bool> done_{false};
};

std::shared_ptr<Call> AsyncClient::Impl::RunAfter(std::chrono::milliseconds delay,
                                                  std::function<void()> fn,
                                                  std::function<void()> on_cancel) {
  std::shared_ptr<TimerCall> timer;
  bool stopping = false;
  {
    std::lock_guard lock(calls_mu_);
    const auto id = next_call_id_++;
    timer =
        std::make_shared<TimerCall>(shared_from_this(), id, std::move(fn), std::move(on_cancel));
    stopping = stopping_.load();
    if (!stopping) timers_.emplace(id, timer);
  }
  if (stopping) {
    timer->Cancel();
  } else {
    timer->Arm(delay);
  }
  return timer;
}

void AsyncClient::Impl::UnregisterTimer(std::uint64_t id) {
  std::lock_guard lock(calls_mu_);
  timers_.erase(id);
}

AsyncClient::Impl::Impl(AsyncClientOptions options)
    : options_(std::move(options)),
      ioc_(std::max(1, options_.threads)),
      work_(asio::make_work_guard(ioc_)),
      sweep_strand_(asio::make_strand(ioc_)),
      sweep_timer_(sweep_strand_) {
  beast::error_code ec;
  // OpenSSL 3 reads the whole system bundle here (~45 ms): once per client, and only when
  // certificates are checked at all. A missing system store is not fatal: ca_file may do.
  if (options_.verify_tls) tls_ctx_.set_default_verify_paths(ec);
  if (!options_.ca_file.empty()) {
    tls_ctx_.load_verify_file(options_.ca_file, ec);
    if (ec) tls_ready_ = false;
  }
  SSL_CTX_set_min_proto_version(tls_ctx_.native_handle(), TLS1_2_VERSION);
  tls_ctx_.set_verify_mode(options_.verify_tls ? ssl::verify_peer : ssl::verify_none, ec);
  ArmSweep();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this, i] {
      const auto name = "rr-out-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      ioc_.run();
    });
  }
}

std::shared_ptr<Call> AsyncClient::Impl::Start(const Origin& origin, OutboundRequest request,
                                               ResponseCallbacks callbacks) {
  ++requests_;
  std::shared_ptr<CallState> call;
  {
    std::lock_guard lock(calls_mu_);
    assert(!stopping_);  // Start() racing the destructor is a caller bug
    const auto id = next_call_id_++;
    call = std::make_shared<CallState>(shared_from_this(), id, origin, std::move(request),
                                       std::move(callbacks));
    calls_.emplace(id, call);
  }
  call->Spawn();
  return call;
}

void AsyncClient::Impl::Shutdown() {
  // Runs from destructors. What could throw here (posting without memory, a failed join or
  // lock) leaves no state worth unwinding through, so it ends the process plainly.
  try {
    ShutdownOrThrow();
  } catch (...) {
    std::terminate();
  }
}

void AsyncClient::Impl::ShutdownOrThrow() {
  std::vector<std::shared_ptr<CallState>> live;
  std::vector<std::shared_ptr<TimerCall>> waiting;
  {
    std::lock_guard lock(calls_mu_);
    if (stopping_.exchange(true)) return;
    for (auto& [id, weak] : calls_) {
      if (auto call = weak.lock()) live.push_back(std::move(call));
    }
    for (auto& [id, weak] : timers_) {
      if (auto timer = weak.lock()) waiting.push_back(std::move(timer));
    }
  }
  for (auto& call : live) call->Cancel();
  live.clear();
  for (auto& timer : waiting) timer->Cancel();
  waiting.clear();
  asio::post(sweep_strand_, [this] { sweep_timer_.cancel(); });
  {
    std::lock_guard lock(calls_mu_);
    posts_closed_ = true;
  }
  work_.reset();
  for (auto& t : threads_) {
    assert(t.get_id() != std::this_thread::get_id());  // the destructor ran on our own thread
    t.join();
  }
  threads_.clear();
  decltype(pool_) pool;
  {
    std::lock_guard lock(pool_mu_);
    pool.swap(pool_);
    idle_count_ = 0;
  }
}

void AsyncClient::Impl::Post(Strand& strand, std::function<void()> fn) {
  std::lock_guard lock(calls_mu_);
  if (!posts_closed_) asio::post(strand, std::move(fn));
}

void AsyncClient::Impl::Unregister(std::uint64_t id) {
  std::lock_guard lock(calls_mu_);
  calls_.erase(id);
}

const Origin* AsyncClient::Impl::ProxyFor(const Origin& origin) const {
  const auto& proxy = origin.tls ? options_.https_proxy : options_.http_proxy;
  if (!proxy || NoProxyMatches(options_.no_proxy, origin.host)) return nullptr;
  return &*proxy;
}

void AsyncClient::Impl::ExpireLocked(std::vector<std::unique_ptr<Connection>>& out) {
  const auto cutoff = Clock::now() - options_.idle_ttl;
  for (auto it = pool_.begin(); it != pool_.end();) {
    auto& idle = it->second;
    while (!idle.empty() && idle.front()->idle_since <= cutoff) {
      out.push_back(std::move(idle.front()));
      idle.pop_front();
      --idle_count_;
    }
    it = idle.empty() ? pool_.erase(it) : std::next(it);
  }
}

std::unique_ptr<Connection> AsyncClient::Impl::TakeIdle(const std::string& key) {
  std::vector<std::unique_ptr<Connection>> expired;  // closed after the lock is released
  std::lock_guard lock(pool_mu_);
  ExpireLocked(expired);
  auto it = pool_.find(key);
  if (it == pool_.end()) return nullptr;
  auto conn = std::move(it->second.back());
  it->second.pop_back();
  if (it->second.empty()) pool_.erase(it);
  --idle_count_;
  return conn;
}

void AsyncClient::Impl::ReturnIdle(const std::string& key, std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> closed;
  conn->idle_since = Clock::now();
  std::lock_guard lock(pool_mu_);
  if (stopping_ || options_.max_idle_per_origin == 0) {
    closed.push_back(std::move(conn));
    return;
  }
  ExpireLocked(closed);
  auto& idle = pool_[key];
  if (idle.size() >= options_.max_idle_per_origin) {
    closed.push_back(std::move(idle.front()));
    idle.pop_front();
  } else {
    ++idle_count_;
  }
  idle.push_back(std::move(conn));
}

void AsyncClient::Impl::ArmSweep() {
  sweep_timer_.expires_after(
      std::max<std::chrono::milliseconds>(options_.idle_ttl / 2, std::chrono::milliseconds(50)));
  sweep_timer_.async_wait([this](const beast::error_code& ec) {
    if (ec || stopping_) return;
    std::vector<std::unique_ptr<Connection>> expired;
    {
      std::lock_guard lock(pool_mu_);
      ExpireLocked(expired);
    }
    ArmSweep();
  });
}

std::string Origin::ToString() const {
  return (tls ? "https://" : "http://") + HostPort(host, port) + base_path;
}

core::Result<Origin> ParseOrigin(std::string_view url, std::string_view what) {
  // The URL is never echoed: it may carry user info or a key in its path.
  const auto bad = [what](std::string_view why) {
    return core::Error::InvalidArgument(std::string(what) + " " + std::string(why), "url");
  };
  Origin origin;
  std::string_view rest;
  if (url.size() >= 8 && core::EqualsIgnoreCase(url.substr(0, 8), "https://")) {
    origin.tls = true;
    rest = url.substr(8);
  } else if (url.size() >= 7 && core::EqualsIgnoreCase(url.substr(0, 7), "http://")) {
    rest = url.substr(7);
  } else {
    return bad("must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("must not have a query or fragment");
  }
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("must not contain user info");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [ in the host");
    host = authority.substr(1, close - 1);
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        host.find(':') == std::string_view::npos) {
      return bad("has an invalid IPv6 address");
    }
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has unexpected text after the host");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    const auto name_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    };
    if (!std::all_of(host.begin(), host.end(), name_char)) return bad("has an invalid host");
  }
  if (host.empty()) return bad("has no host");
  origin.host = std::string(host);
  origin.port = origin.tls ? 443 : 80;
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad("must have a port from 1 to 65535");
    }
    const int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) return bad("must have a port from 1 to 65535");
    origin.port = static_cast<std::uint16_t>(port);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (!IsVisible(path)) return bad("has an invalid path");
  origin.base_path = std::string(path);
  return origin;
}

core::Status ApplyProxyEnvironment(AsyncClientOptions& options) {
  // Upper case first; an empty variable counts as unset. Returns the name that was used.
  const auto read = [](const char* upper, const char* lower, std::string& value) -> const char* {
    for (const char* name : {upper, lower}) {
      const char* v = std::getenv(name);
      if (v != nullptr && *v != '\0') {
        value = v;
        return name;
      }
    }
    return nullptr;
  };
  const auto proxy = [&read](const char* upper, const char* lower,
                             std::optional<Origin>& out) -> core::Status {
    std::string value;
    const char* name = read(upper, lower, value);
    if (name == nullptr) return core::Status::Ok();
    auto parsed = ParseOrigin(value);
    // The value is not echoed: proxy URLs often carry credentials.
    if (!parsed.ok() || parsed->tls) {
      return core::Error::InvalidArgument(
          std::string(name) + " must be an http://HOST[:PORT] proxy URL without user info", name);
    }
    out = std::move(parsed).value();
    return core::Status::Ok();
  };
  if (auto s = proxy("HTTPS_PROXY", "https_proxy", options.https_proxy); !s.ok()) return s;
  if (auto s = proxy("HTTP_PROXY", "http_proxy", options.http_proxy); !s.ok()) return s;
  std::string no_proxy;
  if (read("NO_PROXY", "no_proxy", no_proxy) != nullptr) {
    options.no_proxy = core::SplitTrimmed(no_proxy, ',');
  }
  return core::Status::Ok();
}

AsyncClient::AsyncClient(AsyncClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

AsyncClient::~AsyncClient() { impl_->Shutdown(); }

std::shared_ptr<Call> AsyncClient::Start(const Origin& origin, OutboundRequest request,
                                         ResponseCallbacks callbacks) {
  return impl_->Start(origin, std::move(request), std::move(callbacks));
}

std::shared_ptr<Call> AsyncClient::RunAfter(std::chrono::milliseconds delay,
                                            std::function<void()> fn,
                                            std::function<void()> on_cancel) {
  return impl_->RunAfter(delay, std::move(fn), std::move(on_cancel));
}

AsyncClient::Stats AsyncClient::stats() const { return impl_->stats(); }

}  // namespace recipe_rag::http
