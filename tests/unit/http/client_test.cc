#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>

#include "support/serving_thread.h"

namespace recipe_rag::http {
namespace {

using core::ErrorCode;
using namespace std::chrono_literals;

// Records the request it gets and answers with a fixed response.
class RecordingHandler : public Handler {
 public:
  explicit RecordingHandler(Response answer) : answer_(std::move(answer)) {}
  void Handle(const Request& request, Respond respond) override {
    {
      std::lock_guard lock(mu_);
      seen_ = request;
    }
    respond(answer_);
  }
  Request seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  Response answer_;
  std::mutex mu_;
  Request seen_;
};

// A TCP socket on 127.0.0.1 that listens (when asked) but never accepts or answers.
class SilentSocket {
 public:
  explicit SilentSocket(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listen) ::listen(fd_, 8);
  }
  ~SilentSocket() { ::close(fd_); }
  SilentSocket(const SilentSocket&) = delete;
  SilentSocket& operator=(const SilentSocket&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

Request Post(std::string path, std::string body) {
  Request r;
  r.method = "POST";
  r.path = std::move(path);
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

TEST(ParseHttpUrlTest, HostPortAndBasePath) {
  auto url = ParseHttpUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->base_path, "");

  url = ParseHttpUrl("HTTP://search.example:81/api/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "search.example");
  EXPECT_EQ(url->port, 81);
  EXPECT_EQ(url->base_path, "/api");
  EXPECT_EQ(url->ToString(), "http://search.example:81/api");
}

TEST(ParseHttpUrlTest, DefaultPortAndIpv6) {
  auto url = ParseHttpUrl("http://localhost");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 80);
  url = ParseHttpUrl("http://[::1]:9000/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->ToString(), "http://[::1]:9000");
}

TEST(ParseHttpUrlTest, RefusesWhatItCannotServe) {
  for (const char* bad : {"https://127.0.0.1:8080", "127.0.0.1:8080", "ftp://x", "http://",
                          "http://:80", "http://h:0", "http://h:70000", "http://h:8o",
                          "http://h:", "http://u@h:80", "http://h/?q=1", "http://[::1"}) {
    auto url = ParseHttpUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  auto https = ParseHttpUrl("https://127.0.0.1:8080");
  ASSERT_FALSE(https.ok());
  EXPECT_NE(https.error().message.find("https is not supported"), std::string::npos);
}

TEST(FetchTest, SendsTheRequestAndReturnsTheAnswer) {
  auto answer = Response::Json(201, R"({"ok":true})");
  answer.headers.push_back({"X-Extra", "yes"});
  RecordingHandler handler(answer);
  testing::ServingThread server(handler);
  ASSERT_FALSE(server.address().empty());
  auto url = ParseHttpUrl(server.url() + "/base");
  ASSERT_TRUE(url.ok());
  auto request = Post("/v1/thing", R"({"q":1})");
  request.query = "a=b";
  request.headers.push_back({"Authorization", "Bearer T"});

  auto response = Fetch(*url, request, {});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"({"ok":true})");
  EXPECT_EQ(response->content_type, "application/json");
  bool extra = false;
  for (const auto& h : response->headers)
    extra = extra || (h.name == "X-Extra" && h.value == "yes");
  EXPECT_TRUE(extra);

  const auto seen = handler.seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/base/v1/thing");
  EXPECT_EQ(seen.query, "a=b");
  EXPECT_EQ(seen.body, R"({"q":1})");
  EXPECT_EQ(seen.FindHeader("Authorization").value_or(""), "Bearer T");
  EXPECT_EQ(seen.FindHeader("Host").value_or(""), server.address());
  EXPECT_EQ(seen.FindHeader("Content-Length").value_or(""), "7");
}

TEST(FetchTest, AnErrorStatusIsAnAnswerNotAFailure) {
  RecordingHandler handler(Response::Error(401, "unauthorized", "missing token"));
  testing::ServingThread server(handler);
  ASSERT_FALSE(server.address().empty());
  auto response = Fetch(*ParseHttpUrl(server.url()), Post("/v1/search", "{}"), {});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_NE(response->body.find("missing token"), std::string::npos);
}

TEST(FetchTest, ConnectionRefusedIsUnavailableAndNamesTheAddress) {
  SilentSocket closed(/*listen=*/false);  // bound, not listening: connections are refused
  const Url url{"127.0.0.1", closed.port(), ""};
  auto response = Fetch(url, Post("/v1/search", "{}"), {});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  const auto& message = response.error().message;
  EXPECT_NE(message.find("connection refused"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(closed.port())), std::string::npos)
      << message;
}

TEST(FetchTest, ASilentServerTimesOut) {
  SilentSocket silent(/*listen=*/true);  // the kernel completes the handshake; nobody answers
  Url url{"127.0.0.1", silent.port(), ""};
  ClientOptions options;
  options.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto response = Fetch(url, Post("/v1/search", "{}"), options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded) << response.error().message;
  EXPECT_NE(response.error().message.find("200 ms"), std::string::npos) << response.error().message;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 5s);
}

TEST(FetchTest, ABodyOverTheLimitIsAnError) {
  RecordingHandler handler(Response::Json(200, "[" + std::string(4096, ' ') + "]"));
  testing::ServingThread server(handler);
  ASSERT_FALSE(server.address().empty());
  ClientOptions options;
  options.body_limit_bytes = 1024;
  auto response = Fetch(*ParseHttpUrl(server.url()), Post("/x", "{}"), options);
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("larger than 1024 bytes"), std::string::npos)
      << response.error().message;
}

}  // namespace
}  // namespace recipe_rag::http
