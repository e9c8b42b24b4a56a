// HTTP messages as the rest of the service sees them: plain structs, no Beast types.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "observability/trace.h"

namespace recipe_rag::http {

class ResponseStream;

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string path;    // the target up to '?'
  std::string query;   // the target after '?', raw ("" when none)
  int version = 11;    // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<Header> headers;
  std::string body;
  std::string request_id;  // X-Request-Id as received when well-formed, else generated
  // The request's root span: handlers start their spans under it. Its trace continues the
  // caller's when a valid traceparent came, and is always set by the server.
  observability::SpanContext span;

  // The first header with this name (case-insensitive); nullopt when absent.
  std::optional<std::string_view> FindHeader(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<Header> headers;  // extra headers (Allow, Retry-After, WWW-Authenticate, ...)
  std::string route;            // the route pattern that handled it, for the access log
  // When set, the body is this stream (sent as it is written) and `body` is ignored.
  std::shared_ptr<ResponseStream> stream;

  // A JSON response; `body` must be a serialised JSON value.
  static Response Json(int status, std::string body);
  // The service's error shape: {"error":{"type":…,"message":…,"param":…}} ("param" only when
  // non-empty). `message` must not contain secrets or paths.
  static Response Error(int status, std::string_view type, std::string_view message,
                        std::string_view param = {});
};

// Adds "trace_id" as the first member of a JSON object body, without parsing it, so that every
// JSON body a client gets (the service's own, or an upstream's relayed one) names its trace.
// Other bodies and streams are left as they are.
void AddTraceId(Response* response, const std::string& trace_id);

}  // namespace recipe_rag::http
