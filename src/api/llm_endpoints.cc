// The generating endpoints: POST /v1/answer and POST /v1/chat/completions.
#include <chrono>
#include <nlohmann/json.hpp>

#include "api/json_text.h"
#include "api/service.h"
#include "api/tool_definition.h"
#include "api/validation.h"
#include "core/strings.h"
#include "http/response_stream.h"
#include "observability/logger.h"
#include "observability/redactor.h"
#include "rag/tool_loop.h"

namespace recipe_rag::api {
namespace {

using nlohmann::json;
using observability::LogLevel;
using observability::LogLine;

constexpr int kAnswerDefaultTopK = 5;
constexpr int kAnswerMaxTopK = 10;

std::string SseEvent(std::string_view event, const json& data) {
  std::string out = "event: ";
  out += event;
  out += "\ndata: ";
  out += Dump(data);
  out += "\n\n";
  return out;
}

std::string SseData(const json& data) { return "data: " + Dump(data) + "\n\n"; }

http::Response EventStream(int status, std::shared_ptr<http::ResponseStream> stream) {
  http::Response r;
  r.status = status;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.push_back({"Cache-Control", "no-cache"});
  r.stream = std::move(stream);
  return r;
}

json UsageJson(const std::optional<llm::Usage>& usage) {
  if (!usage) return nullptr;
  return {{"prompt_tokens", usage->prompt_tokens},
          {"completion_tokens", usage->completion_tokens},
          {"total_tokens", usage->total_tokens}};
}

json RecipesJson(const retrieval::LoadedIndex& index, const std::vector<retrieval::Hit>& hits) {
  json recipes = json::array();
  for (const auto& hit : hits) {
    const auto& r = index.recipes[hit.recipe];
    recipes.push_back({{"id", r.id},
                       {"title", r.title},
                       {"score", RoundScore(hit.score)},
                       {"low_confidence", hit.low_confidence}});
  }
  return recipes;
}

json AnswerMeta(const rag::Answer& answer) {
  json out = {{"prompt", answer.prompt},
              {"model", answer.model},
              {"degraded", answer.degraded},
              {"usage", UsageJson(answer.usage)}};
  if (answer.degraded) out["degraded_reason"] = answer.degraded_reason;
  return out;
}

// POST /v1/answer: {"question", "top_k"?, "filters"?, "stream"?}. The question is checked as
// /v1/search checks its query; errors name "question".
core::Result<std::pair<retrieval::Query, bool>> ValidateAnswer(const json& body,
                                                               int max_query_chars) {
  using core::Error;
  if (!body.is_object()) return Error::FailedPrecondition("request body must be a JSON object");
  bool stream = false;
  json search = json::object();
  for (const auto& [key, value] : body.items()) {
    if (key == "question") {
      search["query"] = value;
    } else if (key == "stream") {
      if (!value.is_boolean() && !value.is_null()) {
        return Error::FailedPrecondition("stream must be true or false", "stream");
      }
      stream = value.is_boolean() && value.get<bool>();
    } else if (key == "top_k" || key == "filters") {
      search[key] = value;
    } else {
      return Error::FailedPrecondition(
          "unknown field " + key + "; allowed: question, top_k, filters, stream", key);
    }
  }
  if (!body.contains("question"))
    return Error::FailedPrecondition("question is required", "question");
  if (!search.contains("top_k")) search["top_k"] = kAnswerDefaultTopK;
  if (search["top_k"].is_number_integer() &&
      (search["top_k"].get<std::int64_t>() > kAnswerMaxTopK)) {
    return Error::FailedPrecondition(
        "top_k must be between 1 and " + std::to_string(kAnswerMaxTopK), "top_k");
  }
  auto query = ValidateSearch(search, max_query_chars);
  if (!query.ok()) {
    auto error = std::move(query).error();
    if (error.param == "query") {
      error.param = "question";
      for (auto at = error.message.find("query"); at != std::string::npos;
           at = error.message.find("query", at)) {
        error.message.replace(at, 5, "question");
      }
    }
    return error;
  }
  return std::make_pair(std::move(*query), stream);
}

// OpenAI's error shape: {"error":{"message","type","param","code"}}.
http::Response OpenAiError(int status, std::string_view message, std::string_view param = {},
                           std::string_view code = {}) {
  std::string_view type = "invalid_request_error";
  if (status == 401) type = "authentication_error";
  if (status == 429) type = "rate_limit_error";
  if (status >= 500) type = "server_error";
  json e = {{"message", message},
            {"type", type},
            {"param", param.empty() ? json(nullptr) : json(param)},
            {"code", code.empty() ? json(nullptr) : json(code)}};
  return http::Response::Json(status, Dump({{"error", std::move(e)}}));
}

http::Response OpenAiError(const core::Error& error) {
  const int status = core::ToHttpStatus(error.code);
  auto r =
      OpenAiError(status, error.message, error.param,
                  error.code == core::ErrorCode::kResourceExhausted ? "rate_limit_exceeded" : "");
  if (error.retry_after) {
    r.headers.push_back({"Retry-After", std::to_string(error.retry_after->count())});
  }
  return r;
}

long NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Builds chat.completion(.chunk) objects for one response.
struct CompletionShape {
  std::string id;
  std::string model;
  long created = NowSeconds();
  bool include_usage = false;

  json Chunk(json delta, std::optional<std::string> finish_reason) const {
    json choice = {{"index", 0},
                   {"delta", std::move(delta)},
                   {"logprobs", nullptr},
                   {"finish_reason", finish_reason ? json(*finish_reason) : json(nullptr)}};
    json out = {{"id", id},
                {"object", "chat.completion.chunk"},
                {"created", created},
                {"model", model},
                {"system_fingerprint", nullptr},
                {"choices", json::array({std::move(choice)})}};
    if (include_usage) out["usage"] = nullptr;
    return out;
  }
  json UsageChunk(const llm::Usage& usage) const {
    return {{"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", model},
            {"system_fingerprint", nullptr},
            {"choices", json::array()},
            {"usage", UsageJson(usage)}};
  }
  json Completion(const std::string& content, const std::string& finish_reason,
                  const std::optional<llm::Usage>& usage) const {
    json message = {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}};
    return {{"id", id},
            {"object", "chat.completion"},
            {"created", created},
            {"model", model},
            {"choices", json::array({{{"index", 0},
                                      {"message", std::move(message)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_reason}}})},
            {"usage", usage ? UsageJson(usage) : UsageJson(llm::Usage{})},
            {"system_fingerprint", nullptr}};
  }
};

// Upstream response headers a pass-through client may act on: rate limits and their reset
// times, Retry-After, and what the upstream says about the call. Everything else (cookies,
// connection headers, the upstream's own framing) stays behind.
bool RelayedHeader(std::string_view name) {
  const std::string lower = core::ToLowerAscii(name);
  return lower.rfind("x-ratelimit-", 0) == 0 || lower == "retry-after" ||
         lower == "retry-after-ms" || lower == "openai-processing-ms" || lower == "openai-model";
}

// The text of the conversation's last user message (string content or text parts).
std::string LastUserText(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (!it->is_object() || it->value("role", "") != "user") continue;
    const auto content = it->find("content");
    if (content == it->end()) return {};
    if (content->is_string()) return content->get<std::string>();
    std::string text;
    if (content->is_array()) {
      for (const auto& part : *content) {
        if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
            part["text"].is_string()) {
          text += (text.empty() ? "" : " ") + part["text"].get<std::string>();
        }
      }
    }
    return text;
  }
  return {};
}

}  // namespace

void Service::Answer(const http::Request& request, http::Respond&& respond) {
  json body;
  if (auto error = ReadJson(request, &body)) return respond(std::move(*error));
  auto validated = ValidateAnswer(body, options_.max_query_chars);
  if (!validated.ok()) return respond(ErrorResponse(validated.error()));
  auto [query, stream] = std::move(*validated);
  const std::string question = query.text;
  const std::string request_id = request.request_id;
  query.span = request.span;
  SearchAsync(
      std::move(query), request_id,
      [this, question, stream, request_id, context = CallFor(request),
       respond = std::move(respond)](std::shared_ptr<const retrieval::LoadedIndex> index,
                                     core::Result<std::vector<retrieval::Hit>> hits) mutable {
        if (!hits.ok()) return respond(ErrorResponse(hits.error()));
        json recipes = RecipesJson(*index, *hits);
        const bool low_confidence = std::all_of(
            hits->begin(), hits->end(), [](const retrieval::Hit& h) { return h.low_confidence; });
        auto sources = Sources(*index, *hits);
        if (!stream) {
          auto shared = std::make_shared<json>(
              json{{"recipes", std::move(recipes)}, {"low_confidence", low_confidence}});
          llm_.generator->Generate(
              question, std::move(sources),
              {.on_delta = nullptr,
               .on_done =
                   [this, shared, request_id, respond = std::move(respond)](rag::Answer answer) {
                     LogGeneration(request_id, "/v1/answer", answer);
                     if (options_.budget_reject && answer.degraded_reason == "budget") {
                       return respond(BudgetExhausted());
                     }
                     json out = {{"answer", answer.text}};
                     out.update(*shared);
                     out.update(AnswerMeta(answer));
                     respond(http::Response::Json(200, Dump(out)));
                   }},
              context);
          return;
        }
        auto events = std::make_shared<http::ResponseStream>();
        events->Write(SseEvent(
            "retrieval", {{"recipes", std::move(recipes)}, {"low_confidence", low_confidence}}));
        respond(EventStream(200, events));
        auto call =
            llm_.generator->Generate(question, std::move(sources),
                                     {.on_delta =
                                          [events](std::string_view text) {
                                            events->Write(SseEvent("delta", {{"text", text}}));
                                          },
                                      .on_done =
                                          [this, events, request_id](rag::Answer answer) {
                                            LogGeneration(request_id, "/v1/answer", answer);
                                            events->Write(SseEvent("done", AnswerMeta(answer)));
                                            events->Close();
                                          }},
                                     context);
        // The client going away stops the upstream call.
        events->OnCancel([call] { call->Cancel(); });
      });
}

void Service::ChatCompletions(const http::Request& request, http::Respond&& respond) {
  if (!IsJsonContentType(request.FindHeader("Content-Type"))) {
    respond(OpenAiError(415, "Content-Type must be application/json"));
    return;
  }
  auto parsed = ParseJsonBody(request.body);
  if (!parsed.ok()) return respond(OpenAiError(400, parsed.error().message));
  json body = std::move(*parsed);
  if (!body.is_object()) return respond(OpenAiError(400, "request body must be a JSON object"));
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    return respond(OpenAiError(400, "messages must be a non-empty array", "messages"));
  }
  for (const auto& m : *messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return respond(OpenAiError(400, "each message must be an object with a role", "messages"));
    }
  }
  const auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty()) {
    return respond(OpenAiError(400, "model is required", "model"));
  }
  // The model the client names → the upstream's name for it.
  const std::string asked = model->get_ref<const std::string&>();  // a copy: body changes below
  std::string upstream_model;
  if (asked == llm_.model || asked == "recipe-rag") upstream_model = llm_.model;
  for (const auto& [alias, target] : llm_.models) {
    if (alias == asked) upstream_model = target;
  }
  if (upstream_model.empty()) {
    return respond(OpenAiError(404,
                               "The model `" + std::string(core::Utf8Prefix(asked, 100)) +
                                   "` does not exist or you do not have access to it.",
                               "model", "model_not_found"));
  }
  bool stream = false;
  if (const auto s = body.find("stream"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean()) return respond(OpenAiError(400, "stream must be a boolean", "stream"));
    stream = s->get<bool>();
  }
  if (const auto n = body.find("n"); n != body.end() && !n->is_null() && *n != 1) {
    return respond(OpenAiError(400, "only n = 1 is supported", "n"));
  }
  body["model"] = upstream_model;
  const auto tools = body.find("tools");
  const bool client_tools = tools != body.end() && !tools->is_null();
  if (client_tools && llm_.provider != nullptr) {
    PassThrough(std::move(body), stream, request.request_id, CallFor(request), std::move(respond));
    return;
  }
  if (client_tools) {
    return respond(OpenAiError(400,
                               "this service has no LLM configured, so it cannot pass client "
                               "tools on; remove tools to use its own search",
                               "tools"));
  }
  body["model"] = asked;  // the extractive path reports the name asked for
  if (llm_.provider != nullptr) body["model"] = upstream_model;
  ChatWithSearch(std::move(body), request.request_id, CallFor(request), std::move(respond));
}

void Service::PassThrough(json body, bool stream, const std::string& request_id,
                          llm::CallContext context, http::Respond respond) {
  // What the upstream sends is relayed as it is: a stream piece by piece, anything else whole.
  struct Relay {
    http::Respond respond;
    bool streaming = false;
    std::shared_ptr<http::ResponseStream> events;
    http::Response whole;
    http::CallSlot upstream;
  };
  auto relay = std::make_shared<Relay>();
  relay->respond = std::move(respond);
  llm::RawCallbacks cb;
  cb.on_head = [relay, stream](int status, const std::vector<http::Header>& headers) {
    std::string content_type = "application/json";
    std::vector<http::Header> relayed;
    for (const auto& h : headers) {
      if (core::EqualsIgnoreCase(h.name, "Content-Type")) content_type = h.value;
      if (RelayedHeader(h.name)) relayed.push_back(h);
      if (core::EqualsIgnoreCase(h.name, "X-Request-Id")) {
        relayed.push_back({"X-Upstream-Request-Id", h.value});  // ours stays X-Request-Id
      }
    }
    if (stream && status == 200) {
      relay->streaming = true;
      // No heartbeat: the relayed pieces are the upstream's raw bytes, and a comment between
      // two of them could land inside an event. A vanished client shows at the next piece.
      relay->events =
          std::make_shared<http::ResponseStream>(http::ResponseStream::Options{.heartbeat = ""});
      relay->events->OnCancel([relay] { relay->upstream.Cancel(); });
      auto r = EventStream(200, relay->events);
      r.content_type = content_type;
      r.headers.insert(r.headers.end(), relayed.begin(), relayed.end());
      relay->respond(std::move(r));
      return;
    }
    relay->whole.status = status;
    relay->whole.content_type = content_type;
    relay->whole.headers = std::move(relayed);
  };
  cb.on_body = [relay](std::string_view piece) {
    if (relay->streaming) {
      relay->events->Write(std::string(piece));
    } else {
      relay->whole.body.append(piece);
    }
  };
  cb.on_done = [this, relay, request_id](core::Status status) {
    if (relay->streaming) {
      if (!status.ok()) {
        relay->events->Write(SseData(json::parse(OpenAiError(status.error()).body)));
        logger_.Emit(LogLine(LogLevel::kWarn, "upstream stream broke")
                         .Str("request_id", request_id)
                         .Str("error", status.error().message));
      }
      relay->events->Close();
      return;
    }
    if (relay->whole.status == 0 || !status.ok()) {
      const auto error =
          status.ok() ? core::Error::Unavailable("upstream gave no answer", std::chrono::seconds(1))
                      : status.error();
      relay->respond(OpenAiError(error));
      return;
    }
    relay->respond(std::move(relay->whole));
  };
  // A streamed relay stops when its client goes away (OnCancel above), also before this.
  relay->upstream.Track(
      llm_.provider->Forward("/chat/completions", Dump(body), std::move(cb), context));
}

void Service::ChatWithSearch(json body, const std::string& request_id, llm::CallContext context,
                             http::Respond respond) {
  const bool stream = body.value("stream", false);
  CompletionShape shape;
  shape.id = "chatcmpl-" + request_id;
  shape.model = body["model"].get<std::string>();
  if (const auto so = body.find("stream_options"); so != body.end() && so->is_object()) {
    shape.include_usage = so->value("include_usage", false);
  }
  // The head goes out with the first text, or with the error when none came first. Until
  // then the stream only gathers chunks.
  struct Out {
    http::Respond respond;
    std::shared_ptr<http::ResponseStream> events;
    bool head_sent = false;  // touched only from the loop's callbacks, one at a time
    http::CallSlot upstream;
  };
  auto out = std::make_shared<Out>();
  out->respond = std::move(respond);
  if (stream) {
    out->events = std::make_shared<http::ResponseStream>();
    out->events->Write(SseData(shape.Chunk({{"role", "assistant"}, {"content", ""}}, {})));
    out->events->OnCancel([out] { out->upstream.Cancel(); });
  }
  auto send_head = [out] {
    if (out->head_sent) return;
    out->head_sent = true;
    out->respond(EventStream(200, out->events));
  };

  if (llm_.provider == nullptr) {
    // No LLM: search the last user message and answer with the extractive writer.
    const auto question = LastUserText(body["messages"]);
    if (core::Trim(question).empty()) {
      return out->respond(OpenAiError(400, "the last user message has no text", "messages"));
    }
    retrieval::Query query;
    query.text = std::string(core::Utf8Prefix(question, options_.max_query_chars * 4));
    query.top_k = kToolDefaultTopK;
    query.span = context.span;
    SearchAsync(
        std::move(query), request_id,
        [this, out, shape, stream, question, send_head, request_id, context](
            std::shared_ptr<const retrieval::LoadedIndex> index,
            core::Result<std::vector<retrieval::Hit>> hits) {
          if (!hits.ok()) return out->respond(OpenAiError(hits.error()));
          llm_.generator->Generate(
              question, Sources(*index, *hits),
              {.on_delta = nullptr,
               .on_done =
                   [this, out, shape, stream, send_head, request_id](rag::Answer answer) {
                     LogGeneration(request_id, "/v1/chat/completions", answer);
                     if (!stream) {
                       out->respond(http::Response::Json(
                           200, Dump(shape.Completion(answer.text, "stop", llm::Usage{}))));
                       return;
                     }
                     out->events->Write(SseData(shape.Chunk({{"content", answer.text}}, {})));
                     out->events->Write(SseData(shape.Chunk(json::object(), "stop")));
                     if (shape.include_usage) {
                       out->events->Write(SseData(shape.UsageChunk(llm::Usage{})));
                     }
                     out->events->Write("data: [DONE]\n\n");
                     out->events->Close();
                     send_head();
                   }},
              context);
        });
    return;
  }

  body.erase("stream");
  body.erase("stream_options");
  body.erase("tool_choice");
  body.erase("parallel_tool_calls");
  const json tool = {{"type", "function"}, {"function", SearchCorpusDefinition()}};
  auto search = [this, request_id, span = context.span](std::string arguments,
                                                        std::function<void(std::string)> done) {
    // One tool span per search_corpus call the model made.
    auto tool_span = std::make_shared<observability::Span>(
        observability::Span::Start(span, "tool search_corpus"));
    if (tool_span->recording()) {
      tool_span->Set("langfuse.observation.type", "tool")
          .Set("langfuse.observation.input", redactor_.Redact(arguments));
    }
    auto query = ValidateToolCall({{"function", "search_corpus"}, {"arguments", arguments}},
                                  options_.max_query_chars);
    if (!query.ok()) {
      tool_span->Fail(query.error().message);
      done(Dump({{"error", query.error().message}}));
      return;
    }
    query->span = tool_span->context();
    SearchAsync(
        std::move(*query), request_id,
        [tool_span, done = std::move(done)](std::shared_ptr<const retrieval::LoadedIndex> index,
                                            core::Result<std::vector<retrieval::Hit>> hits) {
          tool_span->End();
          if (!hits.ok()) return done(Dump({{"error", hits.error().message}}));
          json recipes = json::array();
          for (const auto& hit : *hits) {
            const auto& r = index->recipes[hit.recipe];
            recipes.push_back({{"id", r.id},
                               {"title", r.title},
                               {"score", RoundScore(hit.score)},
                               {"low_confidence", hit.low_confidence},
                               {"ingredients", r.ingredients},
                               {"instructions", r.instructions}});
          }
          done(Dump({{"recipes", std::move(recipes)}}));
        });
  };
  rag::ToolLoopCallbacks cb;
  if (stream) {
    cb.on_content = [out, send_head, shape](std::string_view text) {
      send_head();
      out->events->Write(SseData(shape.Chunk({{"content", text}}, {})));
    };
  }
  cb.on_done = [this, out, shape, stream, send_head, request_id,
                trace_id = context.span.trace_id()](core::Result<rag::ToolLoopResult> result) {
    rag::Answer logged;
    logged.prompt = "client";  // the client wrote the messages
    logged.trace_id = trace_id;
    if (result.ok()) {
      logged.model = result->model;
      logged.usage = result->usage;
    } else {
      logged.degraded = true;
      logged.degraded_reason = result.error().message;
    }
    LogGeneration(request_id, "/v1/chat/completions", logged);
    if (!stream) {
      if (!result.ok()) return out->respond(OpenAiError(result.error()));
      out->respond(http::Response::Json(
          200, Dump(shape.Completion(result->content, result->finish_reason, result->usage))));
      return;
    }
    if (!out->head_sent && !result.ok()) {
      out->events->Cancel();  // never sent; drops the queued role chunk
      return out->respond(OpenAiError(result.error()));
    }
    send_head();
    if (!result.ok()) {
      out->events->Write(SseData(json::parse(OpenAiError(result.error()).body)));
      out->events->Close();
      return;
    }
    out->events->Write(SseData(shape.Chunk(json::object(), result->finish_reason)));
    if (shape.include_usage) out->events->Write(SseData(shape.UsageChunk(result->usage)));
    out->events->Write("data: [DONE]\n\n");
    out->events->Close();
  };
  out->upstream.Track(rag::StartToolLoop(*llm_.provider, std::move(body), tool,
                                         llm_.max_tool_rounds, std::move(search), std::move(cb),
                                         std::move(context)));
}

}  // namespace recipe_rag::api
