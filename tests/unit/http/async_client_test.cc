#include "http/async_client.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using core::ErrorCode;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;  // how long a test waits for something that should be quick

// A one-shot event one thread sets and another waits for, with a bound.
class Event {
 public:
  void Set() {
    std::lock_guard lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

using RawRequest = bhttp::request<bhttp::string_body>;

// One accepted connection of a TestServer, driven by blocking calls on the script's thread.
class Peer {
 public:
  Peer(tcp::socket& socket, ssl::stream<tcp::socket&>* tls, std::function<void(RawRequest)> seen)
      : socket_(socket), tls_(tls), seen_(std::move(seen)) {}

  // The next request, or nullopt once the client closed the connection.
  std::optional<RawRequest> Read() {
    RawRequest req;
    beast::error_code ec;
    With([&](auto& s) { bhttp::read(s, buffer_, req, ec); });
    if (ec) return std::nullopt;
    seen_(req);
    return req;
  }
  bool Write(std::string_view raw) {
    beast::error_code ec;
    With([&](auto& s) { asio::write(s, asio::buffer(raw), ec); });
    return !ec;
  }
  // Returns once the client closed the connection (or the server is stopping).
  void WaitForClose() {
    char sink[1024];
    beast::error_code ec;
    while (!ec) With([&](auto& s) { s.read_some(asio::buffer(sink), ec); });
  }
  // Sends FIN both ways; the descriptor itself stays open until the server goes.
  void Close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
  }
  tcp::socket& socket() { return socket_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  template <class F>
  void With(F f) {
    if (tls_ != nullptr) {
      f(*tls_);
    } else {
      f(socket_);
    }
  }

  tcp::socket& socket_;
  ssl::stream<tcp::socket&>* tls_;
  std::function<void(RawRequest)> seen_;
  beast::flat_buffer buffer_;
};

// A scripted HTTP/1.1 server on 127.0.0.1: a thread per connection runs `script` on it (after
// a TLS handshake when given a context). Records every request it reads.
class TestServer {
 public:
  using Script = std::function<void(Peer&)>;

  explicit TestServer(Script script, ssl::context* tls = nullptr)
      : script_(std::move(script)),
        tls_(tls),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() {
    stopping_ = true;
    beast::error_code ec;
    tcp::socket wake(ioc_);  // unblocks accept()
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    accept_thread_.join();
    for (auto& s : sockets_) s->shutdown(tcp::socket::shutdown_both, ec);  // unblocks reads
    for (auto& t : workers_) t.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  Origin origin(const std::string& host = "127.0.0.1") const {
    Origin o;
    o.tls = tls_ != nullptr;
    o.host = host;
    o.port = port_;
    return o;
  }
  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::vector<RawRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      beast::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) return;
      ++connections_;
      sockets_.push_back(socket);
      workers_.emplace_back([this, socket] { Serve(*socket); });
    }
  }
  void Serve(tcp::socket& socket) {
    auto seen = [this](RawRequest req) {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(req));
    };
    if (tls_ == nullptr) {
      Peer peer(socket, nullptr, seen);
      script_(peer);
      return;
    }
    ssl::stream<tcp::socket&> stream(socket, *tls_);
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    Peer peer(socket, &stream, seen);
    script_(peer);
  }

  Script script_;
  ssl::context* tls_;
  asio::io_context ioc_;  // only for the sockets' blocking calls; never run
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;  // touched by the accept thread only
  std::vector<std::thread> workers_;                   // until it is joined
  std::mutex mu_;
  std::vector<RawRequest> requests_;
};

std::string Answer(int status, std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}
constexpr std::string_view kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
std::string Chunk(std::string_view data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

// Answers every request on the connection with 200 "ok" until the client closes it.
void AnswerOk(Peer& peer) {
  while (auto req = peer.Read()) {
    if (!peer.Write(Answer(200, "ok:" + std::string(req->target())))) return;
  }
}

// A CONNECT proxy: opens the tunnel, then copies bytes both ways until either side closes.
void ProxyScript(Peer& peer) {
  auto req = peer.Read();
  if (!req || req->method() != bhttp::verb::connect) return;
  const std::string authority(req->target());
  const auto colon = authority.rfind(':');
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::socket upstream(ioc);
  beast::error_code ec;
  asio::connect(upstream,
                resolver.resolve(authority.substr(0, colon), authority.substr(colon + 1), ec), ec);
  if (ec) {
    peer.Write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  peer.Write("HTTP/1.1 200 Connection established\r\n\r\n");
  asio::write(upstream, peer.buffer().data(), ec);
  pollfd fds[2] = {{peer.socket().native_handle(), POLLIN, 0},
                   {upstream.native_handle(), POLLIN, 0}};
  char buf[16 << 10];
  while (::poll(fds, 2, 5'000) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
        peer.Close();
        return;
      }
    }
  }
  peer.Close();
}

// What the callbacks of one call saw.
struct Seen {
  std::mutex mu;
  int status = 0;
  std::vector<Header> headers;
  std::vector<std::string> pieces;
  std::string body;
  int done_calls = 0;
  int calls_after_done = 0;
  std::optional<core::Status> done;
  Event first_piece;
  Event finished;

  std::string HeaderValue(std::string_view name) {
    std::lock_guard lock(mu);
    for (const auto& h : headers) {
      if (h.name == name) return h.value;
    }
    return "";
  }
  ErrorCode code() {
    std::lock_guard lock(mu);
    return done && !done->ok() ? done->error().code : ErrorCode::kInternal;
  }
  std::string message() {
    std::lock_guard lock(mu);
    return done && !done->ok() ? done->error().message : "";
  }
};

ResponseCallbacks Record(const std::shared_ptr<Seen>& seen) {
  ResponseCallbacks cb;
  cb.on_head = [seen](int status, const std::vector<Header>& headers) {
    std::lock_guard lock(seen->mu);
    if (seen->done_calls > 0) ++seen->calls_after_done;
    seen->status = status;
    seen->headers = headers;
  };
  cb.on_body = [seen](std::string_view piece) {
    {
      std::lock_guard lock(seen->mu);
      if (seen->done_calls > 0) ++seen->calls_after_done;
      seen->pieces.emplace_back(piece);
      seen->body += piece;
    }
    seen->first_piece.Set();
  };
  cb.on_done = [seen](core::Status status) {
    {
      std::lock_guard lock(seen->mu);
      ++seen->done_calls;
      seen->done = std::move(status);
    }
    seen->finished.Set();
  };
  return cb;
}

OutboundRequest Get(std::string target) {
  OutboundRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

// Starts a call and waits for on_done.
std::shared_ptr<Seen> Fetch(AsyncClient& client, const Origin& origin, OutboundRequest request) {
  auto seen = std::make_shared<Seen>();
  client.Start(origin, std::move(request), Record(seen));
  EXPECT_TRUE(seen->finished.WaitFor(kWait)) << "the call did not finish";
  return seen;
}

bool Ok(const std::shared_ptr<Seen>& seen) {
  std::lock_guard lock(seen->mu);
  return seen->done && seen->done->ok();
}

// ----------------------------------------------------------------------------- URLs and env

TEST(ParseOriginTest, AcceptsHttpAndHttpsWithDefaultPorts) {
  auto o = ParseOrigin("https://api.openai.com/v1/");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->host, "api.openai.com");
  EXPECT_EQ(o->port, 443);
  EXPECT_EQ(o->base_path, "/v1");
  EXPECT_EQ(o->ToString(), "https://api.openai.com:443/v1");

  o = ParseOrigin("HTTP://127.0.0.1:8080");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_FALSE(o->tls);
  EXPECT_EQ(o->port, 8080);
  EXPECT_EQ(o->base_path, "");

  o = ParseOrigin("http://localhost");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->port, 80);

  o = ParseOrigin("https://[::1]:8443/x");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->ToString(), "https://[::1]:8443/x");
}

TEST(ParseOriginTest, RefusesWhatItCannotServe) {
  for (const char* bad :
       {"ftp://x", "api.openai.com", "https://", "https://:443", "https://h:0", "https://h:65536",
        "https://h:", "https://h:8o", "https://h/?q=1", "https://h/#f", "http://[::1",
        "http://[zz]:80", "http://ho st/", "http://h/a b", "http://h\r\nX: y/"}) {
    auto o = ParseOrigin(bad);
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  auto o = ParseOrigin("https://user:hunter2@api.example");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message.find("hunter2"), std::string::npos) << o.error().message;
}

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  void Set(const char* name, const char* value) { ::setenv(name, value, 1); }

 private:
  static constexpr const char* kNames[] = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                                           "http_proxy",  "NO_PROXY",    "no_proxy"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

TEST(ApplyProxyEnvironmentTest, ReadsUpperCaseFirstThenLowerCase) {
  ScopedEnv env;
  env.Set("HTTPS_PROXY", "http://proxy.corp:3128");
  env.Set("https_proxy", "http://ignored:1");
  env.Set("http_proxy", "http://lower.corp:8080/");
  env.Set("no_proxy", " .internal, localhost ,,127.0.0.1");
  AsyncClientOptions options;
  ASSERT_TRUE(ApplyProxyEnvironment(options).ok());
  ASSERT_TRUE(options.https_proxy.has_value());
  EXPECT_EQ(options.https_proxy->host, "proxy.corp");
  EXPECT_EQ(options.https_proxy->port, 3128);
  ASSERT_TRUE(options.http_proxy.has_value());
  EXPECT_EQ(options.http_proxy->host, "lower.corp");
  EXPECT_EQ(options.no_proxy, (std::vector<std::string>{".internal", "localhost", "127.0.0.1"}));
}

TEST(ApplyProxyEnvironmentTest, NoVariablesLeaveTheOptionsAlone) {
  ScopedEnv env;
  AsyncClientOptions options;
  ASSERT_TRUE(ApplyProxyEnvironment(options).ok());
  EXPECT_FALSE(options.https_proxy.has_value());
  EXPECT_FALSE(options.http_proxy.has_value());
  EXPECT_TRUE(options.no_proxy.empty());
}

TEST(ApplyProxyEnvironmentTest, RefusesABadProxyByNameWithoutEchoingIt) {
  for (const char* bad : {"http://user:s3cret@proxy:3128", "https://proxy:3128", "proxy:3128"}) {
    ScopedEnv env;
    env.Set("HTTPS_PROXY", bad);
    AsyncClientOptions options;
    auto status = ApplyProxyEnvironment(options);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find("HTTPS_PROXY"), std::string::npos);
    EXPECT_EQ(status.error().message.find("s3cret"), std::string::npos);
    EXPECT_EQ(status.error().message.find(bad), std::string::npos);
  }
}

// ------------------------------------------------------------------------- plain HTTP calls

AsyncClientOptions Fast() {
  AsyncClientOptions options;
  options.connect_timeout = 2s;
  options.first_byte_timeout = 2s;
  options.chunk_timeout = 2s;
  options.total_timeout = 4s;
  return options;
}

TEST(AsyncClientTest, PostSendsHeadersAndBodyAndReportsTheAnswer) {
  TestServer server([](Peer& peer) {
    while (auto req = peer.Read()) {
      peer.Write(Answer(201, "answer:" + req->body(), "X-Answer: yes\r\n"));
    }
  });
  AsyncClient client(Fast());
  Origin origin = server.origin();
  origin.base_path = "/v1";
  OutboundRequest request;
  request.target = "/chat/completions";
  request.headers = {{"Authorization", "Bearer sk-test"}, {"Content-Type", "application/json"}};
  request.body = R"({"q":1})";
  auto seen = Fetch(client, origin, request);
  ASSERT_TRUE(Ok(seen)) << seen->message();
  EXPECT_EQ(seen->status, 201);
  EXPECT_EQ(seen->HeaderValue("X-Answer"), "yes");
  EXPECT_EQ(seen->body, R"(answer:{"q":1})");
  EXPECT_EQ(seen->calls_after_done, 0);

  auto get = Fetch(client, origin, Get("/models?limit=2"));
  ASSERT_TRUE(Ok(get)) << get->message();

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto& post = requests[0];
  EXPECT_EQ(post.method_string(), "POST");
  EXPECT_EQ(post.target(), "/v1/chat/completions");
  EXPECT_EQ(post[bhttp::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(post[bhttp::field::content_length], "7");
  EXPECT_EQ(post[bhttp::field::user_agent], "recipe-rag");
  EXPECT_EQ(post[bhttp::field::authorization], "Bearer sk-test");
  EXPECT_EQ(post.body(), R"({"q":1})");
  EXPECT_EQ(requests[1].method_string(), "GET");
  EXPECT_EQ(requests[1].target(), "/v1/models?limit=2");
  EXPECT_EQ(requests[1].count(bhttp::field::content_length), 0u);
}

TEST(AsyncClientTest, HeadersThatWouldSplitTheRequestAreRefused) {
  TestServer server(AnswerOk);
  AsyncClient client(Fast());
  auto request = Get("/");
  request.headers = {{"X-Evil", "a\r\nX-Injected: 1"}};
  auto seen = Fetch(client, server.origin(), request);
  EXPECT_EQ(seen->code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(seen->message().find("Injected"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(AsyncClientTest, SequentialRequestsReuseOneKeepAliveConnection) {
  TestServer server(AnswerOk);
  AsyncClient client(Fast());
  for (int i = 0; i < 3; ++i) {
    auto seen = Fetch(client, server.origin(), Get("/n" + std::to_string(i)));
    ASSERT_TRUE(Ok(seen)) << seen->message();
    EXPECT_EQ(seen->body, "ok:/n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
  const auto stats = client.stats();
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.idle_connections, 1u);
}

TEST(AsyncClientTest, ConcurrentCallsEachFinishOnceAndThePoolStaysBounded) {
  TestServer server(AnswerOk);
  auto options = Fast();
  options.threads = 2;
  options.max_idle_per_origin = 4;
  AsyncClient client(options);
  std::vector<std::shared_ptr<Seen>> calls;
  for (int i = 0; i < 40; ++i) {
    calls.push_back(std::make_shared<Seen>());
    client.Start(server.origin(), Get("/c" + std::to_string(i)), Record(calls.back()));
  }
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(calls[i]->finished.WaitFor(kWait)) << i;
    ASSERT_TRUE(Ok(calls[i])) << calls[i]->message();
    EXPECT_EQ(calls[i]->body, "ok:/c" + std::to_string(i));
  }
  const auto stats = client.stats();
  EXPECT_EQ(stats.requests, 40u);
  EXPECT_LE(stats.idle_connections, 4u);
  EXPECT_GE(stats.idle_connections, 1u);
  for (const auto& c : calls) EXPECT_EQ(c->done_calls, 1);
}

TEST(AsyncClientTest, IdleConnectionsPastTheirTtlAreNotReused) {
  TestServer server(AnswerOk);
  auto options = Fast();
  options.idle_ttl = 30ms;
  AsyncClient client(options);
  ASSERT_TRUE(Ok(Fetch(client, server.origin(), Get("/a"))));
  std::this_thread::sleep_for(60ms);
  ASSERT_TRUE(Ok(Fetch(client, server.origin(), Get("/b"))));
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

TEST(AsyncClientTest, StreamsBodyPiecesAsTheyArrive) {
  auto seen = std::make_shared<Seen>();
  std::atomic<bool> first_arrived_before_rest{false};
  TestServer server([&](Peer& peer) {
    if (!peer.Read()) return;
    peer.Write(std::string(kChunkedHead) + Chunk("data: first\n\n"));
    // The rest waits until the client has delivered the first piece: a client that buffered
    // the body until the end would leave this waiting out its bound.
    first_arrived_before_rest = seen->first_piece.WaitFor(kWait);
    peer.Write(Chunk("data: second\n\n") + "0\r\n\r\n");
    peer.WaitForClose();
  });
  AsyncClient client(Fast());
  client.Start(server.origin(), Get("/stream"), Record(seen));
  ASSERT_TRUE(seen->finished.WaitFor(kWait));
  ASSERT_TRUE(Ok(seen)) << seen->message();
  EXPECT_TRUE(first_arrived_before_rest);
  EXPECT_EQ(seen->HeaderValue("Content-Type"), "text/event-stream");
  EXPECT_EQ(seen->body, "data: first\n\ndata: second\n\n");  // chunk framing removed
  EXPECT_GE(seen->pieces.size(), 2u);
  EXPECT_EQ(client.stats().idle_connections, 1u);  // a complete chunked body: reusable
}

TEST(AsyncClientTest, ConnectionRefusedIsUnavailable) {
  asio::io_context ioc;
  tcp::socket reserved(ioc);  // bound but not listening: connecting to it is refused
  reserved.open(tcp::v4());
  reserved.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Origin origin;
  origin.host = "127.0.0.1";
  origin.port = reserved.local_endpoint().port();
  AsyncClient client(Fast());
  auto seen = Fetch(client, origin, Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("connection refused (127.0.0.1:" + std::to_string(origin.port)),
            std::string::npos)
      << seen->message();
  EXPECT_EQ(client.stats().connections_opened, 0u);
}

TEST(AsyncClientTest, FirstByteTimeout) {
  TestServer server([](Peer& peer) {
    if (peer.Read()) peer.WaitForClose();
  });
  auto options = Fast();
  options.first_byte_timeout = 100ms;
  AsyncClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto seen = Fetch(client, server.origin(), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kDeadlineExceeded);
  EXPECT_NE(seen->message().find("first byte"), std::string::npos) << seen->message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(seen->status, 0);  // on_head never ran
}

TEST(AsyncClientTest, ChunkTimeout) {
  TestServer server([](Peer& peer) {
    if (!peer.Read()) return;
    peer.Write(std::string(kChunkedHead) + Chunk("hello"));
    peer.WaitForClose();
  });
  auto options = Fast();
  options.chunk_timeout = 100ms;
  AsyncClient client(options);
  auto seen = Fetch(client, server.origin(), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kDeadlineExceeded);
  EXPECT_NE(seen->message().find("between chunks"), std::string::npos) << seen->message();
  EXPECT_EQ(seen->status, 200);
  EXPECT_EQ(seen->body, "hello");
  EXPECT_EQ(client.stats().idle_connections, 0u);
}

TEST(AsyncClientTest, TotalTimeoutStopsAStreamThatKeepsGoing) {
  TestServer server([](Peer& peer) {
    if (!peer.Read() || !peer.Write(kChunkedHead)) return;
    const auto give_up = std::chrono::steady_clock::now() + kWait;
    while (peer.Write(Chunk("tick")) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(20ms);
    }
  });
  AsyncClient client(Fast());  // chunk and first-byte deadlines far away
  auto request = Get("/");
  request.total_timeout = 200ms;  // the request's own deadline wins
  const auto start = std::chrono::steady_clock::now();
  auto seen = Fetch(client, server.origin(), request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(seen->code(), ErrorCode::kDeadlineExceeded);
  EXPECT_NE(seen->message().find("total"), std::string::npos) << seen->message();
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_FALSE(seen->body.empty());
}

TEST(AsyncClientTest, CancelMidStreamEndsWithCancelledOnceAndNothingAfter) {
  auto seen = std::make_shared<Seen>();
  Event cancelled;
  {
    TestServer server([&](Peer& peer) {
      if (!peer.Read()) return;
      peer.Write(std::string(kChunkedHead) + Chunk("a"));
      cancelled.WaitFor(kWait);
      peer.Write(Chunk("b"));  // too late: must not reach on_body
      peer.WaitForClose();
    });
    AsyncClient client(Fast());
    auto call = client.Start(server.origin(), Get("/"), Record(seen));
    ASSERT_TRUE(seen->first_piece.WaitFor(kWait));
    call->Cancel();
    cancelled.Set();
    ASSERT_TRUE(seen->finished.WaitFor(kWait));
    call->Cancel();  // idempotent, and harmless once done
    EXPECT_EQ(client.stats().idle_connections, 0u);
  }  // the client's threads are joined here: nothing can still be on its way
  EXPECT_EQ(seen->code(), ErrorCode::kCancelled);
  EXPECT_EQ(seen->done_calls, 1);
  EXPECT_EQ(seen->calls_after_done, 0);
  EXPECT_EQ(seen->body, "a");
}

TEST(AsyncClientTest, DestructorCancelsCallsInFlight) {
  auto seen = std::make_shared<Seen>();
  TestServer server([](Peer& peer) {
    if (peer.Read()) peer.WaitForClose();
  });
  {
    AsyncClient client(Fast());
    client.Start(server.origin(), Get("/"), Record(seen));
    while (server.requests().empty()) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(seen->done_calls, 1);
  EXPECT_EQ(seen->code(), ErrorCode::kCancelled);
}

TEST(AsyncClientTest, RunAfterRunsTheFunctionAfterTheDelay) {
  AsyncClient client(Fast());
  Event fired;
  std::atomic<int> cancelled{0};
  const auto start = std::chrono::steady_clock::now();
  client.RunAfter(
      30ms, [&] { fired.Set(); }, [&] { ++cancelled; });
  ASSERT_TRUE(fired.WaitFor(kWait));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(cancelled.load(), 0);
}

TEST(AsyncClientTest, RunAfterCancelledRunsOnCancelOnceInstead) {
  AsyncClient client(Fast());
  std::atomic<int> fired{0};
  std::atomic<int> cancelled{0};
  auto wait = client.RunAfter(
      50ms, [&] { ++fired; }, [&] { ++cancelled; });
  wait->Cancel();
  wait->Cancel();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(fired.load(), 0);
  EXPECT_EQ(cancelled.load(), 1);
}

TEST(AsyncClientTest, DestructorCancelsWaitsWithoutWaitingThemOut) {
  std::atomic<int> fired{0};
  std::atomic<int> cancelled{0};
  const auto start = std::chrono::steady_clock::now();
  {
    AsyncClient client(Fast());
    client.RunAfter(
        10s, [&] { ++fired; }, [&] { ++cancelled; });
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(fired.load(), 0);
  EXPECT_EQ(cancelled.load(), 1);
}

TEST(AsyncClientTest, BodyOverTheLimitFails) {
  TestServer server([](Peer& peer) {
    while (auto req = peer.Read()) {
      if (req->target() == "/sized") {
        peer.Write(Answer(200, std::string(2000, 'x')));
      } else {
        peer.Write(std::string(kChunkedHead) + Chunk(std::string(600, 'y')) +
                   Chunk(std::string(600, 'y')) + "0\r\n\r\n");
      }
    }
  });
  auto options = Fast();
  options.body_limit_bytes = 1000;
  AsyncClient client(options);
  for (const char* target : {"/sized", "/chunked"}) {
    auto seen = Fetch(client, server.origin(), Get(target));
    EXPECT_EQ(seen->code(), ErrorCode::kUnavailable) << target;
    EXPECT_NE(seen->message().find("limit"), std::string::npos) << seen->message();
    EXPECT_LE(seen->body.size(), 1000u);
  }
}

TEST(AsyncClientTest, RetriesOnceWhenThePooledConnectionWasClosedWhileIdle) {
  Event closed;
  TestServer server([&](Peer& peer) {
    if (!peer.Read()) return;
    peer.Write(Answer(200, "fresh"));
    peer.Close();  // keep-alive announced, then closed: the classic race
    closed.Set();
  });
  AsyncClient client(Fast());
  ASSERT_TRUE(Ok(Fetch(client, server.origin(), Get("/1"))));
  ASSERT_EQ(client.stats().idle_connections, 1u);
  ASSERT_TRUE(closed.WaitFor(kWait));
  auto seen = Fetch(client, server.origin(), Get("/2"));
  ASSERT_TRUE(Ok(seen)) << seen->message();
  EXPECT_EQ(seen->body, "fresh");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

TEST(AsyncClientTest, AFreshConnectionClosedEarlyIsNotRetried) {
  TestServer server([](Peer& peer) {
    if (peer.Read()) peer.Close();
  });
  AsyncClient client(Fast());
  auto seen = Fetch(client, server.origin(), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("closed the connection before the response ended"),
            std::string::npos)
      << seen->message();
  EXPECT_EQ(server.connections(), 1);
}

// ------------------------------------------------------------------------------------ proxy

TEST(AsyncClientProxyTest, HttpOriginThroughAConnectTunnel) {
  TestServer origin(AnswerOk);
  TestServer proxy(ProxyScript);
  auto options = Fast();
  options.http_proxy = proxy.origin();
  AsyncClient client(options);
  auto seen = Fetch(client, origin.origin(), Get("/via"));
  ASSERT_TRUE(Ok(seen)) << seen->message();
  EXPECT_EQ(seen->body, "ok:/via");
  const auto connects = proxy.requests();
  ASSERT_EQ(connects.size(), 1u);
  const std::string authority = "127.0.0.1:" + std::to_string(origin.port());
  EXPECT_EQ(connects[0].target(), authority);
  EXPECT_EQ(connects[0][bhttp::field::host], authority);
  ASSERT_EQ(origin.requests().size(), 1u);
  // The tunnel is kept alive like any connection.
  ASSERT_TRUE(Ok(Fetch(client, origin.origin(), Get("/again"))));
  EXPECT_EQ(proxy.connections(), 1);
}

TEST(AsyncClientProxyTest, NoProxyHostsAreReachedDirectly) {
  TestServer origin(AnswerOk);
  TestServer proxy(ProxyScript);
  for (const char* no_proxy : {"127.0.0.1", "*"}) {
    auto options = Fast();
    options.http_proxy = proxy.origin();
    options.no_proxy = {"example.com", no_proxy};
    AsyncClient client(options);
    ASSERT_TRUE(Ok(Fetch(client, origin.origin(), Get("/direct")))) << no_proxy;
  }
  EXPECT_EQ(proxy.connections(), 0);
  EXPECT_EQ(origin.connections(), 2);
}

TEST(AsyncClientProxyTest, ARefusedTunnelIsUnavailable) {
  TestServer proxy([](Peer& peer) {
    if (peer.Read()) {
      peer.Write(Answer(407, "secret proxy page", "Proxy-Authenticate: Basic\r\n"));
    }
  });
  auto options = Fast();
  options.http_proxy = proxy.origin();
  AsyncClient client(options);
  Origin origin;
  origin.host = "upstream.invalid";
  origin.port = 80;
  auto seen = Fetch(client, origin, Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("407"), std::string::npos) << seen->message();
  EXPECT_EQ(seen->message().find("secret"), std::string::npos);
  EXPECT_EQ(seen->status, 0);
}

// -------------------------------------------------------------------------------------- TLS

// A self-signed certificate for localhost / 127.0.0.1, and one for another name.
class AsyncClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/rr-async-client-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    const auto make = [](const std::string& name, const std::string& san) {
      const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=" + name +
                              " -addext subjectAltName=" + san + " -days 1 -keyout " + dir_ + "/" +
                              name + ".key -out " + dir_ + "/" + name + ".pem >/dev/null 2>&1";
      return std::system(cmd.c_str()) == 0;
    };
    ASSERT_TRUE(make("localhost", "DNS:localhost,IP:127.0.0.1"));
    ASSERT_TRUE(make("other.example", "DNS:other.example"));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(Cert("localhost"))) << "certificate generation failed";
  }

  static std::string Cert(const std::string& name) { return dir_ + "/" + name + ".pem"; }
  static std::unique_ptr<ssl::context> ServerContext(const std::string& name) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain_file(Cert(name));
    ctx->use_private_key_file(dir_ + "/" + name + ".key", ssl::context::pem);
    return ctx;
  }

  static std::string dir_;
};
std::string AsyncClientTlsTest::dir_;

TEST_F(AsyncClientTlsTest, TrustedWithTheCaFileByNameAndByAddress) {
  auto ctx = ServerContext("localhost");
  TestServer server(AnswerOk, ctx.get());
  auto options = Fast();
  options.ca_file = Cert("localhost");
  AsyncClient client(options);
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto seen = Fetch(client, server.origin(host), Get("/secure"));
    ASSERT_TRUE(Ok(seen)) << host << ": " << seen->message();
    EXPECT_EQ(seen->body, "ok:/secure");
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0][bhttp::field::host], "localhost:" + std::to_string(server.port()));
  // Keep-alive works over TLS too: a second request to the same origin adds no connection.
  ASSERT_TRUE(Ok(Fetch(client, server.origin("127.0.0.1"), Get("/again"))));
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(AsyncClientTlsTest, UntrustedCertificateFailsWithTheSystemStore) {
  auto ctx = ServerContext("localhost");
  TestServer server(AnswerOk, ctx.get());
  AsyncClient client(Fast());
  auto seen = Fetch(client, server.origin("localhost"), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("TLS handshake failed"), std::string::npos) << seen->message();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(AsyncClientTlsTest, TrustedCertificateForAnotherNameFails) {
  auto ctx = ServerContext("other.example");
  TestServer server(AnswerOk, ctx.get());
  auto options = Fast();
  options.ca_file = Cert("other.example");
  AsyncClient client(options);
  auto seen = Fetch(client, server.origin("localhost"), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("TLS handshake failed"), std::string::npos) << seen->message();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(AsyncClientTlsTest, VerificationOffAcceptsAnyCertificate) {
  auto ctx = ServerContext("other.example");
  TestServer server(AnswerOk, ctx.get());
  auto options = Fast();
  options.verify_tls = false;
  AsyncClient client(options);
  auto seen = Fetch(client, server.origin("127.0.0.1"), Get("/"));
  ASSERT_TRUE(Ok(seen)) << seen->message();
}

TEST_F(AsyncClientTlsTest, AnUnreadableCaFileFailsHttpsCallsBeforeConnecting) {
  auto ctx = ServerContext("localhost");
  TestServer server(AnswerOk, ctx.get());
  auto options = Fast();
  options.ca_file = dir_ + "/missing.pem";
  AsyncClient client(options);
  auto seen = Fetch(client, server.origin("localhost"), Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kUnavailable);
  EXPECT_NE(seen->message().find("CA file"), std::string::npos) << seen->message();
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(AsyncClientTlsTest, ConnectTimeoutCoversTheHandshake) {
  TestServer silent([](Peer& peer) { peer.WaitForClose(); });  // TCP only: never says hello
  auto options = Fast();
  options.connect_timeout = 100ms;
  AsyncClient client(options);
  Origin origin = silent.origin();
  origin.tls = true;
  auto seen = Fetch(client, origin, Get("/"));
  EXPECT_EQ(seen->code(), ErrorCode::kDeadlineExceeded);
  EXPECT_NE(seen->message().find("connect"), std::string::npos) << seen->message();
}

TEST_F(AsyncClientTlsTest, HttpsOriginThroughAConnectTunnel) {
  auto ctx = ServerContext("localhost");
  TestServer server(AnswerOk, ctx.get());
  TestServer proxy(ProxyScript);
  auto options = Fast();
  options.ca_file = Cert("localhost");
  options.https_proxy = proxy.origin();
  options.http_proxy = std::nullopt;
  AsyncClient client(options);
  auto seen = Fetch(client, server.origin("localhost"), Get("/tunnelled"));
  ASSERT_TRUE(Ok(seen)) << seen->message();
  EXPECT_EQ(seen->body, "ok:/tunnelled");
  const auto connects = proxy.requests();
  ASSERT_EQ(connects.size(), 1u);
  EXPECT_EQ(connects[0].target(), "localhost:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace recipe_rag::http
