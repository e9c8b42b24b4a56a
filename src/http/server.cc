#include "http/server.h"

#include <pthread.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/strings.h"
#include "http/request_id.h"
#include "http/response_stream.h"
#include "observability/logger.h"

namespace recipe_rag::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using observability::LogLevel;
using observability::LogLine;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxLingerBytes = 4 << 20;

bool IsProtocolError(const beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

Response ProtocolErrorResponse(const beast::error_code& ec, std::size_t body_limit) {
  if (ec == bhttp::error::body_limit) {
    return Response::Error(
        413, "payload_too_large",
        "request body is larger than the limit of " + std::to_string(body_limit) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return Response::Error(431, "headers_too_large", "request headers are too large");
  }
  return Response::Error(400, "invalid_request", "malformed HTTP request");
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler& handler, observability::Logger& logger,
       const observability::Tracer* tracer)
      : options_(std::move(options)),
        handler_(handler),
        logger_(logger),
        tracer_(tracer != nullptr ? *tracer : untraced_),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(ioc_),
        signals_(ioc_, SIGTERM, SIGINT),
        drain_timer_(ioc_) {}

  core::Result<std::string> Listen() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return core::Error::InvalidArgument("listen: not an IP address: " + options_.host);
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return core::Error::Unavailable("cannot listen on " + options_.host + ":" +
                                          std::to_string(options_.port) + ": " + ec.message(),
                                      std::chrono::seconds(0));
    }
    const auto bound = acceptor_.local_endpoint();
    return bound.address().to_string() + ":" + std::to_string(bound.port());
  }

  void Run(std::function<void()> on_signal) {
    signals_.async_wait([this, on_signal = std::move(on_signal)](const beast::error_code& ec, int) {
      if (ec) return;
      if (on_signal) on_signal();
      Shutdown();
    });
    asio::co_spawn(ioc_, Accept(), asio::detached);
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) {
      threads.emplace_back([this, i] {
        const auto name = "rr-io-" + std::to_string(i);
        pthread_setname_np(pthread_self(), name.c_str());
        ioc_.run();
      });
    }
    ioc_.run();
    for (auto& t : threads) t.join();
  }

  void Shutdown() {
    asio::post(ioc_, [this] {
      if (draining_.exchange(true)) return;
      logger_.Emit(LogLine(LogLevel::kInfo, "draining")
                       .Int("connections", active_.load())
                       .Int("drain_timeout_ms", options_.drain_timeout.count()));
      beast::error_code ignored;
      acceptor_.close(ignored);
      signals_.cancel(ignored);
      CloseIdleConnections();
      drain_timer_.expires_after(options_.drain_timeout);
      drain_timer_.async_wait([this](const beast::error_code& ec) {
        if (ec) return;
        logger_.Emit(LogLine(LogLevel::kWarn, "drain timeout; closing remaining connections")
                         .Int("connections", active_.load()));
        ioc_.stop();
      });
      MaybeFinishDrain();
    });
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket&& socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = true;  // waiting for a request; touched only on the connection's strand
  };

  asio::awaitable<void> Accept() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kNoThrow);
      if (ec) {
        if (!acceptor_.is_open()) co_return;
        // Out of descriptors or similar: back off briefly instead of spinning.
        asio::steady_timer pause(ioc_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (active_.load() >= options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto conn = std::make_shared<Connection>(std::move(socket));
      const auto id = next_conn_id_.fetch_add(1);
      {
        std::lock_guard lock(conns_mu_);
        conns_.emplace(id, conn);
      }
      ++active_;
      auto executor = conn->stream.get_executor();
      asio::co_spawn(executor, Serve(conn), [this, id](const std::exception_ptr& e) {
        if (e) logger_.Log(LogLevel::kError, "connection ended by an unexpected exception");
        {
          std::lock_guard lock(conns_mu_);
          conns_.erase(id);
        }
        --active_;
        asio::post(ioc_, [this] { MaybeFinishDrain(); });
      });
    }
  }

  // Waits for the handler's response; resumes on the connection's strand.
  asio::awaitable<Response> Dispatch(const Request& request) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
        [this, &request](auto completion) {
          using Completion = decltype(completion);
          struct State {
            explicit State(Completion&& c) : completion(std::move(c)) {}
            Completion completion;
            std::atomic<bool> done{false};
            void Complete(Response response) {
              if (done.exchange(true)) return;
              auto executor = asio::get_associated_executor(completion);
              asio::post(executor, [c = std::move(completion), r = std::move(response)]() mutable {
                std::move(c)(std::move(r));
              });
            }
            ~State() {
              // A handler that dropped `respond` without calling it: answer rather than hang.
              if (!done.load()) {
                Complete(Response::Error(500, "internal", "the request was not answered"));
              }
            }
          };
          auto state = std::make_shared<State>(std::move(completion));
          try {
            handler_.Handle(request, [state](Response r) { state->Complete(std::move(r)); });
          } catch (...) {
            logger_.Emit(
                LogLine(LogLevel::kError, "handler threw").Str("request_id", request.request_id));
            state->Complete(Response::Error(500, "internal", "internal error"));
          }
        },
        asio::use_awaitable);
  }

  static Request ToRequest(bhttp::request<bhttp::string_body>&& msg) {
    Request r;
    r.method = std::string(msg.method_string());
    const std::string_view target = msg.target();
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.version = msg.version();
    r.headers.reserve(8);
    for (const auto& field : msg) {
      r.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    r.body = std::move(msg.body());
    return r;
  }

  asio::awaitable<bool> Write(Connection& conn, const Response& response, int version,
                              const std::string& request_id, const std::string& trace_id,
                              bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request_id);
    res.set("X-Trace-Id", trace_id);
    for (const auto& h : response.headers) res.insert(h.name, h.value);
    res.body() = response.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    conn.stream.expires_after(options_.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(conn.stream, res, kNoThrow);
    co_return !ec;
  }

  // Sends a streamed response: the head, then each batch of queued pieces as one chunk (the
  // whole body, unframed, to an HTTP/1.0 client, which then gets "Connection: close"), then the
  // last chunk. Waits for the producer on a timer that its wake-up cancels; when the timer runs
  // out instead, sends the heartbeat so that a vanished client shows up as a failed write.
  // Returns whether the connection can be reused; adds the bytes sent to *bytes.
  asio::awaitable<bool> WriteStream(Connection& conn, const Response& response, int version,
                                    const std::string& request_id, const std::string& trace_id,
                                    bool keep_alive, std::size_t* bytes) {
    ResponseStream& body = *response.stream;
    // However this ends (even with the coroutine destroyed by a stopping server), the producer
    // must see a finished stream and drop the wake-up that points into this connection.
    struct CancelOnExit {
      ResponseStream& s;
      ~CancelOnExit() { s.Cancel(); }
    } cancel_on_exit{body};
    const bool chunked = version >= 11;
    if (!chunked) keep_alive = false;
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(response.status), version};
    res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request_id);
    res.set("X-Trace-Id", trace_id);
    for (const auto& h : response.headers) res.insert(h.name, h.value);
    res.keep_alive(keep_alive);
    if (chunked) res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> head(res);
    conn.stream.expires_after(options_.request_timeout);
    auto [hec, hn] = co_await bhttp::async_write_header(conn.stream, head, kNoThrow);
    if (hec) co_return false;
    auto timer = std::make_shared<asio::steady_timer>(conn.stream.get_executor());
    auto executor = conn.stream.get_executor();
    std::string pieces;
    while (true) {
      pieces.clear();
      const auto next = body.Take(
          &pieces, [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
      if (next == ResponseStream::Next::kEnd) break;
      if (next == ResponseStream::Next::kWait) {
        timer->expires_after(body.options().heartbeat_interval);
        auto [tec] = co_await timer->async_wait(kNoThrow);
        if (tec == asio::error::operation_aborted) continue;  // woken: take what came
        // Nothing from the producer for a while. A wake-up stored by this Take() may still
        // fire later; it then only cuts a later wait short, which the loop absorbs.
        if (body.options().heartbeat.empty()) continue;
        pieces = body.options().heartbeat;
      }
      conn.stream.expires_after(options_.request_timeout);
      beast::error_code wec;
      if (chunked) {
        std::tie(wec, std::ignore) = co_await asio::async_write(
            conn.stream, bhttp::make_chunk(asio::buffer(pieces)), kNoThrow);
      } else {
        std::tie(wec, std::ignore) =
            co_await asio::async_write(conn.stream, asio::buffer(pieces), kNoThrow);
      }
      if (wec) co_return false;
      *bytes += pieces.size();
    }
    if (body.cancelled()) co_return false;  // the producer gave up: end without a last chunk
    if (chunked) {
      conn.stream.expires_after(options_.request_timeout);
      auto [lec, ln] = co_await asio::async_write(conn.stream, bhttp::make_chunk_last(), kNoThrow);
      if (lec) co_return false;
    }
    co_return keep_alive;
  }

  static void EndRequestSpan(observability::Span& span, const Request& request,
                             std::string_view route, int status, std::size_t bytes) {
    if (!span.recording()) return;
    span.Rename(request.method.substr(0, 16) + " " + std::string(route));
    span.Set("http.request.method", request.method.substr(0, 16))
        .Set("http.route", std::string(route))
        .Set("http.response.status_code", status)
        .Set("http.response.body.size", static_cast<std::int64_t>(bytes))
        .Set("request_id", request.request_id);
    if (status >= 500) span.Fail("HTTP " + std::to_string(status));
    span.End();
  }

  void AccessLog(std::string_view method, std::string_view route, int status,
                 std::chrono::steady_clock::time_point start, std::size_t bytes,
                 const std::string& request_id, const std::string& trace_id) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (options_.on_request) {
      options_.on_request(
          RequestSummary{method, route, status, elapsed, bytes, request_id, trace_id});
    }
    if (!options_.access_log) return;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    logger_.Emit(LogLine(LogLevel::kInfo, "request")
                     .Str("method", method.substr(0, 16))
                     .Str("route", route)
                     .Int("status", status)
                     .Int("latency_us", us)
                     .Int("bytes", static_cast<std::int64_t>(bytes))
                     .Str("request_id", request_id)
                     .Str("trace_id", trace_id));
  }

  // After an error response on a connection we are closing: stop sending, then read and
  // discard what the client still sends for a moment, so it sees our answer, not a reset.
  asio::awaitable<void> LingeringClose(Connection& conn) {
    beast::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    conn.stream.expires_after(std::chrono::seconds(2));
    std::vector<char> sink(64 << 10);
    std::size_t total = 0;
    while (total < kMaxLingerBytes) {
      auto [rec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), kNoThrow);
      if (rec) break;
      total += n;
    }
  }

  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    bool first = true;
    while (true) {
      if (buffer.size() == 0) {
        if (draining_) break;
        conn->idle = true;
        conn->stream.expires_after(first ? options_.header_timeout : options_.idle_timeout);
        auto [ec, n] = co_await conn->stream.async_read_some(buffer.prepare(4096), kNoThrow);
        conn->idle = false;
        if (ec) break;
        buffer.commit(n);
      }
      conn->idle = false;
      first = false;
      const auto start = std::chrono::steady_clock::now();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.header_limit_bytes));
      parser.body_limit(options_.body_limit_bytes);
      conn->stream.expires_after(options_.header_timeout);
      auto [hec, hn] = co_await bhttp::async_read_header(conn->stream, buffer, parser, kNoThrow);
      if (!hec) {
        auto& msg = parser.get();
        if (core::EqualsIgnoreCase(msg[bhttp::field::expect], "100-continue") &&
            !parser.is_done()) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, msg.version()};
          conn->stream.expires_after(options_.request_timeout);
          auto [cec, cn] = co_await bhttp::async_write(conn->stream, cont, kNoThrow);
          if (cec) break;
        }
        if (!parser.is_done()) {
          conn->stream.expires_after(options_.request_timeout);
          auto [bec, bn] = co_await bhttp::async_read(conn->stream, buffer, parser, kNoThrow);
          hec = bec;
        }
      }
      if (hec) {
        if (IsProtocolError(hec)) {
          const auto request_id = NewRequestId();
          const auto trace_id = observability::TraceId::Random().Hex();
          auto response = ProtocolErrorResponse(hec, options_.body_limit_bytes);
          AddTraceId(&response, trace_id);
          co_await Write(*conn, response, 11, request_id, trace_id, false);
          AccessLog("-", "-", response.status, start, response.body.size(), request_id, trace_id);
          co_await LingeringClose(*conn);
        }
        break;
      }

      const bool keep_alive_requested = parser.get().keep_alive();
      Request request = ToRequest(parser.release());
      const auto inbound_id = request.FindHeader("X-Request-Id");
      request.request_id =
          inbound_id && IsValidRequestId(*inbound_id) ? std::string(*inbound_id) : NewRequestId();
      auto root = tracer_.StartRequest(request.FindHeader("traceparent"), request.method);
      request.span = root.context();
      const std::string trace_id = request.span.trace_id();
      Response response = co_await Dispatch(request);
      const bool keep_alive = keep_alive_requested && !draining_;
      std::size_t bytes = response.body.size();
      bool reusable = false;
      if (response.stream) {
        bytes = 0;
        reusable = co_await WriteStream(*conn, response, request.version, request.request_id,
                                        trace_id, keep_alive, &bytes);
      } else {
        reusable = co_await Write(*conn, response, request.version, request.request_id, trace_id,
                                  keep_alive) &&
                   keep_alive;
      }
      std::string_view route = response.route;
      if (route.empty()) route = "-";
      EndRequestSpan(root, request, route, response.status, bytes);
      request.span = {};
      AccessLog(request.method, route, response.status, start, bytes, request.request_id, trace_id);
      if (!reusable) break;
    }
    beast::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn->stream.close();
  }

  void CloseIdleConnections() {
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(conns_mu_);
      for (auto& [id, weak] : conns_) {
        if (auto c = weak.lock()) conns.push_back(std::move(c));
      }
    }
    for (auto& c : conns) {
      asio::post(c->stream.get_executor(), [c] {
        if (c->idle) c->stream.cancel();
      });
    }
  }

  void MaybeFinishDrain() {
    if (draining_ && active_.load() == 0) {
      drain_timer_.cancel();
      logger_.Log(LogLevel::kInfo, "drained");
      ioc_.stop();
    }
  }

  const ServerOptions options_;
  Handler& handler_;
  observability::Logger& logger_;
  const observability::Tracer untraced_{nullptr};
  const observability::Tracer& tracer_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer drain_timer_;
  std::atomic<bool> draining_{false};
  std::atomic<int> active_{0};
  std::atomic<std::uint64_t> next_conn_id_{1};
  std::mutex conns_mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> conns_;
};

Server::Server(ServerOptions options, Handler& handler, observability::Logger& logger,
               const observability::Tracer* tracer)
    : impl_(std::make_unique<Impl>(std::move(options), handler, logger, tracer)) {}
Server::~Server() = default;
core::Result<std::string> Server::Listen() { return impl_->Listen(); }
void Server::Run(std::function<void()> on_shutdown_signal) {
  impl_->Run(std::move(on_shutdown_signal));
}
void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace recipe_rag::http
