// A small blocking HTTP/1.1 client for command-line tools (`recipe-rag eval --url`): plain
// http:// only, one request per connection, a deadline on every step.
//
// Fetch() runs Boost.Beast on a private io_context in the calling thread, so it must not be
// called from a server's I/O thread. Safe to call from many threads at once (nothing shared).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace recipe_rag::http {

// A parsed "http://HOST[:PORT][/BASE]" URL.
struct Url {
  std::string host;         // name or IP address (IPv6 without brackets)
  std::uint16_t port = 80;  //
  std::string base_path;    // "" or "/base" without a trailing slash; prefixed to request paths
  std::string ToString() const;  // "http://HOST:PORT/BASE"
};

// InvalidArgument for anything but http:// with a host, an optional port 1..65535 and an
// optional path (no query, fragment or user info). "https://" is refused by name.
core::Result<Url> ParseHttpUrl(std::string_view text);

struct ClientOptions {
  // Each of connect, sending the request and reading the response must finish within this.
  // (Resolving a host name is bounded by the system resolver's own timeout.)
  std::chrono::milliseconds timeout{10'000};
  std::size_t body_limit_bytes = 16 << 20;  // larger response bodies are an error
};

// Sends `request` (method, path — appended to url.base_path —, query, headers, body) with
// Host, Content-Length and "Connection: close", and reads the whole response. Any status is a
// success here; the caller judges it. Errors: Unavailable when the host cannot be resolved or
// connected to (the message says "connection refused" and names HOST:PORT), the connection
// breaks, or the response is not valid HTTP or over the body limit; DeadlineExceeded when a
// step takes longer than options.timeout.
core::Result<Response> Fetch(const Url& url, const Request& request, const ClientOptions& options);

}  // namespace recipe_rag::http
