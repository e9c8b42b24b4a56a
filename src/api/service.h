// Service: the HTTP API (DESIGN.md "Public HTTP API"): routing, bearer auth on /v1/*,
// Content-Type and body validation, and the endpoints. Searches run on the WorkPool;
// when its queue is full the answer is 503 with Retry-After.
//
// Thread-safe: Handle() is called from many I/O threads; the current index is swapped
// atomically by SetIndex() and requests keep the one they started with.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/readiness.h"
#include "auth/token_store.h"
#include "core/work_pool.h"
#include "http/handler.h"
#include "http/router.h"
#include "retrieval/index.h"

namespace recipe_rag::observability {
class Logger;
}

namespace recipe_rag::api {

struct ServiceOptions {
  int max_query_chars = 2000;
  int retry_after_s = 1;      // on 503 (overloaded, not ready)
  std::string config_sha256;  // shown by /version
};

class Service : public http::Handler {
 public:
  // All references must outlive the service.
  Service(ServiceOptions options, const auth::TokenStore& tokens, core::WorkPool& pool,
          Readiness& readiness, observability::Logger& logger);

  void Handle(const http::Request& request, http::Respond respond) override;

  // Installs the index new requests use (null: none).
  void SetIndex(std::shared_ptr<const retrieval::LoadedIndex> index) {
    index_.store(std::move(index));
  }

 private:
  void Healthz(const http::Request&, http::Respond&&);
  void Readyz(const http::Request&, http::Respond&&);
  void Version(const http::Request&, http::Respond&&);
  void Tools(const http::Request&, http::Respond&&);
  void ToolsCall(const http::Request&, http::Respond&&);
  void Search(const http::Request&, http::Respond&&);

  enum class Shape { kToolCall, kFullRecords };
  // Content-Type, JSON and schema checks for the shape's endpoint, then RunSearch.
  void HandleSearch(const http::Request& request, Shape shape, http::Respond&& respond);
  // Validated query → search on the pool → response in the given shape.
  void RunSearch(retrieval::Query query, Shape shape, const std::string& request_id,
                 http::Respond respond);
  static http::Response SearchResponse(const retrieval::LoadedIndex& index,
                                       const retrieval::Query& query, Shape shape,
                                       const std::vector<retrieval::Hit>& hits);
  http::Response ErrorResponse(const core::Error& error) const;

  const ServiceOptions options_;
  const auth::TokenStore& tokens_;
  core::WorkPool& pool_;
  Readiness& readiness_;
  observability::Logger& logger_;
  http::Router router_;
  std::atomic<std::shared_ptr<const retrieval::LoadedIndex>> index_;
};

}  // namespace recipe_rag::api
