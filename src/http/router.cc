#include "http/router.h"

namespace recipe_rag::http {

void Router::Add(std::string method, std::string path, Endpoint endpoint) {
  entries_.push_back({std::move(method), std::move(path), std::move(endpoint)});
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  for (const auto& e : entries_) {
    if (e.path != path) continue;
    if (e.method == method) {
      match.endpoint = &e.endpoint;
      match.route = e.path;
      match.allow.clear();
      return match;
    }
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += e.method;
  }
  return match;
}

Response Router::NotMatched(const Match& match) {
  if (!match.allow.empty()) {
    auto r = Response::Error(405, "method_not_allowed",
                             "method not allowed; this path accepts " + match.allow);
    r.headers.push_back({"Allow", match.allow});
    r.route = "method_not_allowed";
    return r;
  }
  auto r = Response::Error(404, "not_found", "no such endpoint");
  r.route = "not_found";
  return r;
}

}  // namespace recipe_rag::http
