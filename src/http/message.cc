#include "http/message.h"

#include <cctype>

#include "core/strings.h"

namespace recipe_rag::http {

std::optional<std::string_view> Request::FindHeader(std::string_view name) const {
  for (const auto& h : headers) {
    if (core::EqualsIgnoreCase(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Error(int status, std::string_view type, std::string_view message,
                         std::string_view param) {
  std::string body = "{\"error\":{\"type\":";
  core::AppendJsonString(body, type);
  body += ",\"message\":";
  core::AppendJsonString(body, message);
  if (!param.empty()) {
    body += ",\"param\":";
    core::AppendJsonString(body, param);
  }
  body += "}}";
  return Json(status, std::move(body));
}

void AddTraceId(Response* r, const std::string& trace_id) {
  if (r->stream || trace_id.empty() || r->body.size() < 2 || r->body.front() != '{' ||
      r->content_type.rfind("application/json", 0) != 0) {
    return;
  }
  std::string member = "\"trace_id\":\"" + trace_id + "\"";
  std::size_t first = 1;
  while (first < r->body.size() && std::isspace(static_cast<unsigned char>(r->body[first]))) {
    ++first;
  }
  if (first < r->body.size() && r->body[first] != '}') member += ',';
  r->body.insert(1, member);
}

}  // namespace recipe_rag::http
