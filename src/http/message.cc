#include "http/message.h"

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

}  // namespace recipe_rag::http
