#include "http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>

#include "core/strings.h"
#include "http/async_client.h"

namespace recipe_rag::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

core::Error Unavailable(std::string message) {
  return {core::ErrorCode::kUnavailable, std::move(message), {}, {}};
}

std::string Seconds(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

// The error for a failed step ("connect to", "send the request to", "read the answer from").
core::Error StepError(const beast::error_code& ec, std::string_view step, const std::string& where,
                      const ClientOptions& options) {
  if (ec == beast::error::timeout) {
    return {core::ErrorCode::kDeadlineExceeded,
            "timed out after " + Seconds(options.timeout) + " trying to " + std::string(step) +
                " " + where,
            {},
            {}};
  }
  if (ec == asio::error::connection_refused) {
    return Unavailable("connection refused by " + where + " (is the server running?)");
  }
  if (ec == bhttp::error::body_limit) {
    return Unavailable("the answer from " + where + " is larger than " +
                       std::to_string(options.body_limit_bytes) + " bytes");
  }
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == bhttp::error::partial_message) {
    return Unavailable(where + " closed the connection before a complete answer");
  }
  return Unavailable("cannot " + std::string(step) + " " + where + ": " + ec.message());
}

// GCC 12 at -O1 with sanitizers inlines this coroutine's frame allocation into Fetch()
// and then reports Asio's matched aligned operator new/delete pair as mismatched
// (-Wmismatched-new-delete, a false positive); the frame is allocated and freed by Asio.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

asio::awaitable<void> Exchange(const Url& url, const Request& request, const ClientOptions& options,
                               core::Result<Response>& out) {
  auto executor = co_await asio::this_coro::executor;
  const std::string where = url.host + ":" + std::to_string(url.port);

  tcp::resolver resolver(executor);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), kNoThrow);
  if (rec) {
    out = Unavailable("cannot resolve " + url.host + ": " + rec.message());
    co_return;
  }

  beast::tcp_stream stream(executor);
  stream.expires_after(options.timeout);
  auto [cec, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (cec) {
    out = StepError(cec, "connect to", where, options);
    co_return;
  }

  std::string target = url.base_path + request.path;
  if (target.empty()) target = "/";
  if (!request.query.empty()) target += "?" + request.query;
  bhttp::request<bhttp::string_body> msg;
  msg.method_string(request.method);
  msg.target(target);
  msg.version(11);
  const bool ipv6 = url.host.find(':') != std::string::npos;
  msg.set(bhttp::field::host,
          (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port));
  for (const auto& h : request.headers) msg.insert(h.name, h.value);
  msg.body() = request.body;
  msg.keep_alive(false);
  msg.prepare_payload();
  stream.expires_after(options.timeout);
  auto [wec, written] = co_await bhttp::async_write(stream, msg, kNoThrow);
  if (wec) {
    out = StepError(wec, "send the request to", where, options);
    co_return;
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.body_limit_bytes);
  stream.expires_after(options.timeout);
  auto [rdec, read] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
  if (rdec) {
    out = StepError(rdec, "read the answer from", where, options);
    co_return;
  }
  auto res = parser.release();
  Response response;
  response.status = static_cast<int>(res.result_int());
  response.content_type = std::string(res[bhttp::field::content_type]);
  for (const auto& field : res) {
    response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  response.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  out = std::move(response);
}

}  // namespace

std::string Url::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + base_path;
}

core::Result<Url> ParseHttpUrl(std::string_view text) {
  // A URL typed on the command line is the user's own: the message may show it.
  const std::string what = "URL \"" + std::string(text) + "\"";
  if (text.size() >= 8 && core::EqualsIgnoreCase(text.substr(0, 8), "https://")) {
    return core::Error::InvalidArgument(what + ": https is not supported; use plain http://",
                                        "url");
  }
  auto origin = ParseOrigin(text, what);
  if (!origin.ok()) return std::move(origin).error();
  return Url{std::move(origin->host), origin->port, std::move(origin->base_path)};
}

core::Result<Response> Fetch(const Url& url, const Request& request, const ClientOptions& options) {
  core::Result<Response> out = core::Error::Internal("the HTTP exchange did not finish");
  try {
    asio::io_context ioc(1);
    asio::co_spawn(ioc, Exchange(url, request, options, out), [](const std::exception_ptr& e) {
      if (e) std::rethrow_exception(e);
    });
    ioc.run();
  } catch (const std::exception& e) {
    return core::Error::Internal(std::string("HTTP client error: ") + e.what());
  }
  return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace recipe_rag::http
