// Router: maps (method, exact path) to an endpoint. Built once at start-up, then read-only
// and safe from many threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/handler.h"

namespace recipe_rag::http {

class Router {
 public:
  using Endpoint = std::function<void(const Request&, Respond)>;

  void Add(std::string method, std::string path, Endpoint endpoint);

  struct Match {
    const Endpoint* endpoint = nullptr;  // null when nothing matched
    std::string_view route;              // the matched path pattern
    std::string allow;  // when the path exists but not for this method: "GET, POST"
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Answers a request that Find() did not match: 405 with Allow, or 404.
  static Response NotMatched(const Match& match);

 private:
  struct Entry {
    std::string method;
    std::string path;
    Endpoint endpoint;
  };
  std::vector<Entry> entries_;
};

}  // namespace recipe_rag::http
