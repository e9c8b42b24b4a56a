#include "eval/http_search.h"

#include <nlohmann/json.hpp>

#include "core/strings.h"

namespace recipe_rag::eval {
namespace {

using nlohmann::json;

constexpr std::string_view kSearchPath = "/v1/search";

core::ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 400:
    case 404:
    case 405:
    case 413:
    case 415:
      return core::ErrorCode::kInvalidArgument;
    case 401:
      return core::ErrorCode::kUnauthenticated;
    case 403:
      return core::ErrorCode::kPermissionDenied;
    case 422:
      return core::ErrorCode::kFailedPrecondition;
    case 429:
      return core::ErrorCode::kResourceExhausted;
    case 503:
      return core::ErrorCode::kUnavailable;
    case 504:
      return core::ErrorCode::kDeadlineExceeded;
    default:
      return core::ErrorCode::kInternal;
  }
}

}  // namespace

core::Result<HttpSearch> HttpSearch::Create(const HttpSearchOptions& options) {
  auto url = http::ParseHttpUrl(options.url);
  if (!url.ok()) return std::move(url).error();
  return HttpSearch(std::move(*url), options.token, options.timeout);
}

std::string HttpSearch::Describe() const {
  return "POST " + url_.ToString() + std::string(kSearchPath);
}

core::Result<RankedList> HttpSearch::Search(const std::string& query, int top_k) const {
  http::Request request;
  request.method = "POST";
  request.path = std::string(kSearchPath);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"Accept", "application/json"});
  if (!token_.empty()) request.headers.push_back({"Authorization", "Bearer " + token_});
  request.body =
      json{{"query", query}, {"top_k", top_k}}.dump(-1, ' ', false, json::error_handler_t::replace);
  http::ClientOptions options;
  options.timeout = timeout_;
  auto response = http::Fetch(url_, request, options);
  if (!response.ok()) return std::move(response).error();
  if (response->status != 200) {
    return core::Error{CodeForStatus(response->status),
                       "HTTP " + std::to_string(response->status) + " from " + Describe() + ": " +
                           ErrorAnswerMessage(response->body),
                       {},
                       {}};
  }
  return ParseSearchAnswer(response->body);
}

core::Result<RankedList> ParseSearchAnswer(std::string_view body) {
  const auto bad = [](const std::string& why) {
    return core::Error::InvalidArgument("unexpected answer from /v1/search: " + why);
  };
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("not JSON");
  if (!doc.is_object()) return bad("not a JSON object");
  std::string key = "results";
  auto it = doc.find(key);
  if (it == doc.end()) {
    key = "recipes";
    it = doc.find(key);
  }
  if (it == doc.end()) return bad("no \"results\" array");
  if (!it->is_array()) return bad("\"" + key + "\" is not an array");
  RankedList out;
  out.items.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& r = (*it)[i];
    const std::string at = key + "[" + std::to_string(i) + "]";
    if (!r.is_object()) return bad(at + " is not an object");
    RankedItem item;
    const auto id = r.find("id");
    if (id == r.end() || !id->is_string()) return bad(at + ".id must be a string");
    item.id = id->get<std::string>();
    if (const auto s = r.find("score"); s != r.end() && !s->is_null()) {
      if (!s->is_number()) return bad(at + ".score must be a number");
      item.score = s->get<double>();
    }
    if (const auto f = r.find("low_confidence"); f != r.end() && !f->is_null()) {
      if (!f->is_boolean()) return bad(at + ".low_confidence must be true or false");
      item.low_confidence = f->get<bool>();
    }
    out.items.push_back(std::move(item));
  }
  return out;
}

std::string ErrorAnswerMessage(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded() && doc.is_object()) {
    const auto err = doc.find("error");
    if (err != doc.end() && err->is_object()) {
      const auto message = err->find("message");
      if (message != err->end() && message->is_string()) return message->get<std::string>();
    }
  }
  const auto trimmed = core::Trim(body);
  if (trimmed.empty()) return "(empty body)";
  std::string head(trimmed.substr(0, 200));
  // Cutting at 200 bytes may split a character: drop up to three trailing bytes to mend it.
  for (int i = 0; i < 3 && !core::IsValidUtf8(head); ++i) head.pop_back();
  if (!core::IsValidUtf8(head)) return "(a body that is not UTF-8 text)";
  return head;
}

}  // namespace recipe_rag::eval
