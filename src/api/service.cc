#include "api/service.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/explain.h"
#include "api/json_text.h"
#include "api/tool_definition.h"
#include "api/validation.h"
#include "core/strings.h"
#include "core/version.h"
#include "llm/extractive_writer.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "observability/redactor.h"

namespace recipe_rag::api {
namespace {

using nlohmann::json;
using observability::LogLevel;
using observability::LogLine;

http::Response Unauthorized(const core::Error& error, bool token_presented) {
  auto r = http::Response::Error(401, "unauthorized", error.message);
  r.headers.push_back(
      {"WWW-Authenticate", token_presented ? "Bearer realm=\"recipe-rag\", error=\"invalid_token\""
                                           : "Bearer realm=\"recipe-rag\""});
  return r;
}

}  // namespace

Service::Service(ServiceOptions options, const auth::TokenStore& tokens, core::WorkPool& pool,
                 Readiness& readiness, observability::Logger& logger,
                 observability::Metrics& metrics, const observability::Redactor& redactor,
                 LlmBackend llm)
    : options_(std::move(options)),
      tokens_(tokens),
      pool_(pool),
      readiness_(readiness),
      logger_(logger),
      metrics_(metrics),
      redactor_(redactor),
      retrieval_seconds_(
          metrics
              .Histogram("recipe_rag_retrieval_duration_seconds",
                         "Time a search took on the work pool (cache hits excluded).",
                         observability::DefaultLatencyBuckets())
              .WithHistogram({})),
      llm_(std::move(llm)) {
  auto bind = [this](void (Service::*fn)(const http::Request&, http::Respond&&)) {
    return [this, fn](const http::Request& r, http::Respond respond) {
      (this->*fn)(r, std::move(respond));
    };
  };
  router_.Add("GET", "/healthz", bind(&Service::Healthz));
  router_.Add("GET", "/readyz", bind(&Service::Readyz));
  router_.Add("GET", "/version", bind(&Service::Version));
  router_.Add("GET", "/v1/tools", bind(&Service::Tools));
  router_.Add("POST", "/v1/tools/call", bind(&Service::ToolsCall));
  router_.Add("POST", "/v1/search", bind(&Service::Search));
  router_.Add("POST", "/v1/answer", bind(&Service::Answer));
  router_.Add("POST", "/v1/chat/completions", bind(&Service::ChatCompletions));
  router_.Add("GET", "/metrics", bind(&Service::Metrics));
  if (options_.stats) router_.Add("GET", "/v1/stats", bind(&Service::Stats));
}

http::Response Service::BudgetExhausted() const {
  return ErrorResponse(core::Error::ResourceExhausted(
      "the LLM budget is spent for this period; try again later", std::chrono::seconds(60)));
}

http::Response Service::ErrorResponse(const core::Error& error) const {
  auto r = http::Response::Error(core::ToHttpStatus(error.code), core::ErrorTypeName(error.code),
                                 error.message, error.param);
  if (error.retry_after)
    r.headers.push_back({"Retry-After", std::to_string(error.retry_after->count())});
  return r;
}

void Service::Handle(const http::Request& request, http::Respond respond_plain) {
  http::Respond respond = [trace_id = request.span.trace_id(),
                           respond_plain = std::move(respond_plain)](http::Response r) {
    http::AddTraceId(&r, trace_id);
    respond_plain(std::move(r));
  };
  const auto match = router_.Find(request.method, request.path);
  const std::string route = match.endpoint != nullptr ? std::string(match.route) : "";
  // Every /v1/ path needs a token, known or not, so unauthenticated callers learn nothing. The
  // token is checked once; a recorded trace also takes its id as the user's.
  const bool needs_token = request.path.rfind("/v1/", 0) == 0 || request.path == "/v1";
  const bool recording = request.span && request.span.trace->recording();
  const auto authorization = request.FindHeader("Authorization");
  std::optional<core::Result<auth::Principal>> principal;
  if (needs_token || (recording && authorization)) principal = tokens_.Authenticate(authorization);
  if (recording) {
    TagTrace(request, route, principal && principal->ok() ? (*principal)->token_id : "");
  }
  if (needs_token && !principal->ok()) {
    auto r = Unauthorized(principal->error(), authorization.has_value());
    r.route = route.empty() ? "unauthorized" : route;
    respond(std::move(r));
    return;
  }
  if (match.endpoint == nullptr) {
    respond(http::Router::NotMatched(match));
    return;
  }
  (*match.endpoint)(request, [route, respond = std::move(respond)](http::Response r) {
    r.route = route;
    respond(std::move(r));
  });
}

void Service::Healthz(const http::Request&, http::Respond&& respond) {
  respond(http::Response::Json(200, R"({"status":"ok"})"));
}

void Service::Readyz(const http::Request&, http::Respond&& respond) {
  const auto problem = readiness_.Problem();
  if (problem.empty()) {
    auto index = index_.load();
    respond(http::Response::Json(
        200, Dump({{"status", "ready"},
                   {"index_version", index ? index->manifest.index_version : ""}})));
    return;
  }
  auto r = http::Response::Json(503, Dump({{"status", "not_ready"}, {"reason", problem}}));
  r.headers.push_back({"Retry-After", std::to_string(options_.retry_after_s)});
  respond(std::move(r));
}

void Service::Version(const http::Request&, http::Respond&& respond) {
  json index = nullptr;
  if (auto loaded = index_.load()) {
    const auto& m = loaded->manifest;
    index = {{"version", m.index_version},
             {"built", m.build_time},
             {"builder_version", m.builder_version},
             {"corpus_sha256", m.corpus_sha256},
             {"records", m.records},
             {"lexical_engine", m.lexical_engine}};
  }
  respond(http::Response::Json(200, Dump({{"version", core::kVersion},
                                          {"git_sha", core::kGitSha},
                                          {"build_time", core::kBuildTime},
                                          {"index", index},
                                          {"config_sha256", options_.config_sha256}})));
}

void Service::Metrics(const http::Request&, http::Respond&& respond) {
  if (options_.before_metrics) options_.before_metrics();
  http::Response r;
  r.body = metrics_.Expose();
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  respond(std::move(r));
}

void Service::Stats(const http::Request& request, http::Respond&& respond) {
  std::string window = "1h";
  for (const auto& pair : core::SplitTrimmed(request.query, '&')) {
    if (pair.rfind("window=", 0) == 0) window = pair.substr(7);
  }
  auto shared = std::make_shared<http::Respond>(std::move(respond));
  auto task = [this, window, shared] {
    auto body = options_.stats(window);
    (*shared)(body.ok() ? http::Response::Json(200, std::move(*body))
                        : ErrorResponse(body.error()));
  };
  if (!pool_.TrySubmit(std::move(task))) {
    (*shared)(ErrorResponse(core::Error::Unavailable(
        "server is overloaded; retry shortly", std::chrono::seconds(options_.retry_after_s))));
  }
}

void Service::Tools(const http::Request&, http::Respond&& respond) {
  static const std::string body = Dump(
      {{"functions", json::array({SearchCorpusDefinition()})},
       {"tools", json::array({{{"type", "function"}, {"function", SearchCorpusDefinition()}}})}});
  respond(http::Response::Json(200, body));
}

void Service::ToolsCall(const http::Request& request, http::Respond&& respond) {
  HandleSearch(request, Shape::kToolCall, std::move(respond));
}

void Service::Search(const http::Request& request, http::Respond&& respond) {
  HandleSearch(request, Shape::kFullRecords, std::move(respond));
}

std::optional<http::Response> Service::ReadJson(const http::Request& request,
                                                nlohmann::json* body) const {
  if (!IsJsonContentType(request.FindHeader("Content-Type"))) {
    return http::Response::Error(415, "unsupported_media_type",
                                 "Content-Type must be application/json");
  }
  auto parsed = ParseJsonBody(request.body);
  if (!parsed.ok()) return ErrorResponse(parsed.error());
  *body = std::move(*parsed);
  return std::nullopt;
}

void Service::HandleSearch(const http::Request& request, Shape shape, http::Respond&& respond) {
  json body;
  if (auto error = ReadJson(request, &body)) return respond(std::move(*error));
  auto query = shape == Shape::kToolCall ? ValidateToolCall(body, options_.max_query_chars)
                                         : ValidateSearch(body, options_.max_query_chars);
  if (!query.ok()) return respond(ErrorResponse(query.error()));
  query->span = request.span;
  RunSearch(std::move(*query), shape, request.request_id, CallFor(request), std::move(respond));
}

nlohmann::json Service::SearchJson(const retrieval::LoadedIndex& index,
                                   const retrieval::Query& query, Shape shape,
                                   const std::vector<retrieval::Hit>& hits) {
  json recipes = json::array();
  for (const auto& hit : hits) {
    const auto& r = index.recipes[hit.recipe];
    json item;
    if (shape == Shape::kToolCall) {
      item = {{"id", r.id}, {"title", r.title}, {"score", RoundScore(hit.score)}};
    } else {
      item = corpus::ToJson(r);
      item["score"] = RoundScore(hit.score);
    }
    item["low_confidence"] = hit.low_confidence;
    if (query.explain) item["explain"] = HitExplainJson(hit);
    recipes.push_back(std::move(item));
  }
  json out = {{"recipes", std::move(recipes)}};
  if (shape != Shape::kToolCall) {
    // True when nothing good was found: no result, or none above search.min_score.
    out["low_confidence"] = std::all_of(hits.begin(), hits.end(),
                                        [](const retrieval::Hit& h) { return h.low_confidence; });
  }
  if (query.explain) out["query"] = InterpretationJson(index.retriever->Interpret(query));
  return out;
}

void Service::LogGeneration(const std::string& request_id, std::string_view route,
                            const rag::Answer& answer) const {
  if (options_.on_answer) options_.on_answer(answer);
  LogLine line(answer.degraded ? LogLevel::kWarn : LogLevel::kInfo, "generation");
  line.Str("request_id", request_id)
      .Str("trace_id", answer.trace_id)
      .Str("route", route)
      .Str("prompt", answer.prompt)
      .Str("model", answer.model)
      .Bool("degraded", answer.degraded);
  // Upstream messages may quote what the user wrote.
  if (answer.degraded) line.Str("degraded_reason", redactor_.Redact(answer.degraded_reason));
  if (answer.usage) {
    line.Int("prompt_tokens", answer.usage->prompt_tokens)
        .Int("completion_tokens", answer.usage->completion_tokens);
  }
  logger_.Emit(line);
}

std::vector<rag::SourceRecipe> Service::Sources(const retrieval::LoadedIndex& index,
                                                const std::vector<retrieval::Hit>& hits) {
  std::vector<rag::SourceRecipe> sources;
  sources.reserve(hits.size());
  for (const auto& hit : hits) {
    const auto& r = index.recipes[hit.recipe];
    sources.push_back({r.id, r.title, r.ingredients, r.instructions, hit.low_confidence});
  }
  return sources;
}

void Service::TagTrace(const http::Request& request, const std::string& route,
                       const std::string& token_id) const {
  auto& trace = *request.span.trace;
  trace.SetAttribute("langfuse.trace.name", route.empty() ? std::string("unmatched") : route);
  trace.SetAttribute("langfuse.environment", options_.environment);
  // The caller's own user and session ids when given (bounded, printable), else the token.
  auto header = [&](std::string_view name) -> std::string {
    const auto v = request.FindHeader(name);
    if (!v || v->empty() || v->size() > 128) return {};
    for (char c : *v) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
    }
    return std::string(*v);
  };
  std::string user = header("X-User-Id");
  if (user.empty()) user = token_id;
  if (!user.empty()) trace.SetAttribute("langfuse.user.id", user);
  if (auto session = header("X-Session-Id"); !session.empty()) {
    trace.SetAttribute("langfuse.session.id", session);
  }
}

llm::CallContext Service::CallFor(const http::Request& request) const {
  auto principal = tokens_.Authenticate(request.FindHeader("Authorization"));
  return {request.span, principal.ok() ? principal->token_id : std::string(), {}};
}

void Service::SearchAsync(retrieval::Query query, const std::string& request_id, SearchDone done) {
  const auto retry_after = std::chrono::seconds(options_.retry_after_s);
  auto span =
      std::make_shared<observability::Span>(observability::Span::Start(query.span, "retrieval"));
  if (span->recording()) {
    span->Set("langfuse.observation.type", "retriever")
        .Set("langfuse.observation.input", redactor_.Redact(query.text))
        .Set("retrieval.top_k", static_cast<std::int64_t>(query.top_k));
  }
  query.span = span->context();
  // Records how the search went on the span, then hands on.
  done = [span, done = std::move(done)](std::shared_ptr<const retrieval::LoadedIndex> index,
                                        core::Result<std::vector<retrieval::Hit>> hits) {
    if (span->recording()) {
      if (hits.ok()) {
        span->Set("retrieval.hits", static_cast<std::int64_t>(hits->size()));
        if (!hits->empty()) span->Set("retrieval.top_score", hits->front().score);
      } else {
        span->Fail(hits.error().message);
      }
    }
    span->End();
    done(std::move(index), std::move(hits));
  };
  auto index = index_.load();
  if (!index) {
    done(nullptr, core::Error::Unavailable("the index is not loaded; see /readyz", retry_after));
    return;
  }
  // A remembered answer is served here on the I/O thread; a real search goes to the pool, and
  // so does an explained one (interpreting a query reads the index).
  if (auto cached = query.explain ? std::nullopt : index->retriever->Cached(query)) {
    span->Set("retrieval.cache_hit", true);
    done(index, std::move(*cached));
    return;
  }
  // The task owns everything it touches; `done` travels with it.
  auto shared_done = std::make_shared<SearchDone>(std::move(done));
  auto task = [this, index, query = std::move(query), request_id, shared_done]() {
    const auto started = std::chrono::steady_clock::now();
    auto hits = index->retriever->Search(query);
    retrieval_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!hits.ok()) {
      logger_.Emit(LogLine(LogLevel::kError, "search failed")
                       .Str("request_id", request_id)
                       .Str("trace_id", query.span.trace_id())
                       .Str("error", hits.error().message));
      (*shared_done)(index, core::Error::Internal("search failed"));
      return;
    }
    (*shared_done)(index, std::move(*hits));
  };
  if (!pool_.TrySubmit(std::move(task))) {
    (*shared_done)(nullptr,
                   core::Error::Unavailable("server is overloaded; retry shortly", retry_after));
  }
}

void Service::RunSearch(retrieval::Query query, Shape shape, const std::string& request_id,
                        llm::CallContext context, http::Respond respond) {
  auto shared_query = std::make_shared<const retrieval::Query>(query);
  SearchAsync(
      std::move(query), request_id,
      [this, shared_query, shape, request_id, context = std::move(context),
       respond = std::move(respond)](std::shared_ptr<const retrieval::LoadedIndex> index,
                                     core::Result<std::vector<retrieval::Hit>> hits) mutable {
        if (!hits.ok()) return respond(ErrorResponse(hits.error()));
        auto out = SearchJson(*index, *shared_query, shape, *hits);
        if (shape != Shape::kToolCall) {
          return respond(http::Response::Json(200, Dump(out)));
        }
        // search_corpus: the generator writes generated_response.
        auto body = std::make_shared<json>(std::move(out));
        llm_.generator->Generate(
            shared_query->text, Sources(*index, *hits),
            {.on_delta = nullptr,
             .on_done =
                 [this, body, request_id, respond = std::move(respond)](rag::Answer answer) {
                   LogGeneration(request_id, "/v1/tools/call", answer);
                   if (options_.budget_reject && answer.degraded_reason == "budget") {
                     return respond(BudgetExhausted());
                   }
                   (*body)["generated_response"] = std::move(answer.text);
                   (*body)["prompt"] = answer.prompt;
                   (*body)["model"] = answer.model;
                   (*body)["degraded"] = answer.degraded;
                   if (answer.degraded) (*body)["degraded_reason"] = answer.degraded_reason;
                   respond(http::Response::Json(200, Dump(*body)));
                 }},
            std::move(context));
      });
}

}  // namespace recipe_rag::api
