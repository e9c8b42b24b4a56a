#include "rag/metered_provider.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "http/sse_parser.h"
#include "llm/chat_stream.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "observability/redactor.h"

namespace recipe_rag::rag {
namespace {

using nlohmann::json;
using observability::LogLevel;
using observability::LogLine;
using Clock = std::chrono::steady_clock;

class DoneCall : public http::Call {
 public:
  void Cancel() override {}
};

std::string Iso8601(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

// The output tokens a request may produce at most, when it says.
std::optional<long> MaxOutputTokens(const json& request) {
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    const auto it = request.find(key);
    if (it != request.end() && it->is_number_integer() && it->get<long>() > 0) {
      return it->get<long>();
    }
  }
  return std::nullopt;
}

cost::Usage ToCostUsage(const llm::Usage& u) {
  return {u.prompt_tokens, u.cached_tokens, u.completion_tokens};
}

}  // namespace

// One model asked once: its span, its reservation, its clock.
class MeteredProvider::Generation {
 public:
  Generation(MeteredProvider& p, std::string model, observability::Span span,
             std::optional<cost::Reservation> reservation)
      : p_(p),
        model_(std::move(model)),
        span_(std::move(span)),
        reservation_(std::move(reservation)),
        started_(Clock::now()) {}

  llm::CallContext Child(const llm::CallContext& context) const {
    llm::CallContext child = context;
    child.span = span_.context();
    return child;
  }

  void FirstToken() {
    if (first_token_seen_.exchange(true)) return;
    const double secs = std::chrono::duration<double>(Clock::now() - started_).count();
    ttft_seconds_.store(secs);
    p_.metrics_
        .Histogram("recipe_rag_llm_time_to_first_token_seconds",
                   "Time from an LLM request to its first streamed token.",
                   observability::DefaultLatencyBuckets(), {"provider", "model"})
        .WithHistogram({p_.inner_.name(), model_})
        .Observe(secs);
    span_.Set("langfuse.observation.completion_start_time",
              Iso8601(std::chrono::system_clock::now()));
  }

  // `usage` null: the upstream did not report it; `settle_reserved` then charges the
  // reservation (a call that ran) rather than nothing (a call that failed).
  void Finish(const std::optional<llm::Usage>& usage, std::string_view output,
              const core::Status& status, bool settle_reserved) {
    if (finished_.exchange(true)) return;
    const double secs = std::chrono::duration<double>(Clock::now() - started_).count();
    p_.metrics_
        .Histogram("recipe_rag_llm_request_duration_seconds",
                   "LLM calls' duration, retries included.", observability::DefaultLatencyBuckets(),
                   {"provider", "model"})
        .WithHistogram({p_.inner_.name(), model_})
        .Observe(secs);
    std::optional<double> cost_usd;
    if (usage) {
      const auto u = ToCostUsage(*usage);
      Tokens("input").Add(static_cast<double>(u.input_tokens));
      Tokens("cached_input").Add(static_cast<double>(u.cached_input_tokens));
      Tokens("output").Add(static_cast<double>(u.output_tokens));
      std::optional<cost::PriceTable::CostParts> parts;
      if (p_.prices_ != nullptr) parts = p_.prices_->Parts(model_, u);
      if (parts) {
        cost_usd = parts->total;
      } else {
        p_.metrics_
            .Counter("recipe_rag_llm_unpriced_calls_total",
                     "LLM calls whose model has no price in prices/.", {"model"})
            .With({model_})
            .Add();
      }
      span_.Set("gen_ai.usage.input_tokens", static_cast<std::int64_t>(u.input_tokens))
          .Set("gen_ai.usage.output_tokens", static_cast<std::int64_t>(u.output_tokens))
          .Set("langfuse.observation.usage_details",
               json{{"input", u.input_tokens - u.cached_input_tokens},
                    {"input_cached_tokens", u.cached_input_tokens},
                    {"output", u.output_tokens}}
                   .dump());
      if (parts) {
        span_.Set("langfuse.observation.cost_details",
                  json{{"input", parts->input},
                       {"input_cached_tokens", parts->cached_input},
                       {"output", parts->output},
                       {"total", parts->total}}
                      .dump());
      }
    } else if (settle_reserved && reservation_) {
      cost_usd = reservation_->amount_usd();
      span_.Set("recipe_rag.cost_is_reservation", true);
    }
    if (cost_usd) {
      p_.metrics_
          .Counter("recipe_rag_llm_cost_usd_total", "Spend on LLM calls, USD, from prices/.",
                   {"model"})
          .With({model_})
          .Add(*cost_usd);
    }
    if (!output.empty()) {
      span_.Set("langfuse.observation.output",
                p_.redactor_.Redact(core::Utf8Prefix(output, p_.options_.max_traced_chars)));
    }
    if (status.ok()) {
      span_.Ok();
    } else {
      span_.Fail(status.error().message);
      span_.Set("langfuse.observation.level", "ERROR");
    }
    span_.End();
    if (p_.options_.on_call) {
      LlmCallSummary summary{p_.inner_.name(), model_,     secs, std::nullopt, usage,
                             cost_usd,         status.ok()};
      if (first_token_seen_.load()) summary.time_to_first_token_seconds = ttft_seconds_.load();
      p_.options_.on_call(summary);
    }
    Settle(usage, cost_usd.value_or(0), cost_usd.has_value());
  }

 private:
  observability::Series& Tokens(const char* type) {
    return p_.metrics_
        .Counter("recipe_rag_llm_tokens_total", "LLM tokens by model and type.", {"model", "type"})
        .With({model_, type});
  }

  // Charges the budget on the writer thread (the ledger write may touch the disk).
  void Settle(const std::optional<llm::Usage>& usage, double cost_usd, bool charged) {
    if (!reservation_) return;
    if (!charged || p_.budgets_ == nullptr) {
      reservation_.reset();  // releases the room
      return;
    }
    auto work = [budgets = p_.budgets_, on_alert = &p_.on_alert_, logger = &p_.logger_,
                 reservation = std::make_shared<cost::Reservation>(std::move(*reservation_)),
                 model = model_, usage = usage ? ToCostUsage(*usage) : cost::Usage{}, cost_usd] {
      auto settlement = budgets->Settle(std::move(*reservation), model, usage, cost_usd);
      if (!settlement.recorded.ok()) {
        logger->Emit(LogLine(LogLevel::kError, "spend ledger write failed")
                         .Str("error", settlement.recorded.error().message));
      }
      for (const auto& alert : settlement.alerts) {
        if (*on_alert) (*on_alert)(alert);
      }
    };
    reservation_.reset();
    if (!p_.writer_.TrySubmit(work)) work();  // a full queue: write here rather than lose it
  }

  MeteredProvider& p_;
  const std::string model_;
  observability::Span span_;
  std::optional<cost::Reservation> reservation_;
  const Clock::time_point started_;
  std::atomic<bool> first_token_seen_{false};
  std::atomic<double> ttft_seconds_{0};
  std::atomic<bool> finished_{false};
};

MeteredProvider::MeteredProvider(llm::LlmProvider& inner, const cost::PriceTable* prices,
                                 cost::Budgets* budgets, OnAlert on_alert,
                                 const observability::Redactor& redactor,
                                 observability::Metrics& metrics, observability::Logger& logger,
                                 MeteringOptions options)
    : inner_(inner),
      prices_(prices),
      budgets_(budgets),
      on_alert_(std::move(on_alert)),
      redactor_(redactor),
      metrics_(metrics),
      logger_(logger),
      options_(options),
      writer_(1, 65536) {
  metrics_.Counter("recipe_rag_budget_refusals_total",
                   "LLM calls refused because a budget had no room.");
}

MeteredProvider::~MeteredProvider() = default;

void MeteredProvider::Drain() {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  while (!writer_.TrySubmit([&] {
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
}

core::Result<std::shared_ptr<MeteredProvider::Generation>> MeteredProvider::Begin(
    json& request, const llm::CallContext& context) {
  const auto model_it = request.find("model");
  std::string model = model_it != request.end() && model_it->is_string()
                          ? model_it->get<std::string>()
                          : std::string("unknown");
  std::optional<cost::Reservation> reservation;
  if (budgets_ != nullptr) {
    auto max_output = MaxOutputTokens(request);
    if (!max_output) {
      max_output = options_.default_max_output_tokens;
      if (options_.cap_output) request["max_completion_tokens"] = *max_output;
    }
    double worst = 0;
    if (prices_ != nullptr) {
      if (const auto price = prices_->Find(model)) {
        const double input_tokens = static_cast<double>(request.dump().size());
        worst = input_tokens * price->input / 1e6 +
                static_cast<double>(*max_output) * price->output / 1e6;
      }
    }
    auto held = budgets_->Reserve(context.token_id, worst);
    if (!held.ok()) {
      metrics_.Counter("recipe_rag_budget_refusals_total", "").With({}).Add();
      auto error = std::move(held).error();
      error.param = "budget";
      return error;
    }
    reservation.emplace(std::move(*held));
  }
  auto span = observability::Span::Start(context.span, "llm.generation " + model,
                                         observability::SpanKind::kClient);
  if (span.recording()) {
    span.Set("langfuse.observation.type", "generation")
        .Set("gen_ai.system", inner_.name())
        .Set("gen_ai.request.model", model)
        .Set("langfuse.observation.model.name", model);
    if (const auto at = context.prompt.rfind('@'); at != std::string::npos) {
      span.Set("langfuse.observation.prompt.name", context.prompt.substr(0, at));
      const auto version = context.prompt.substr(at + 1);
      char* end = nullptr;
      const long v = std::strtol(version.c_str(), &end, 10);
      if (end != nullptr && *end == '\0' && !version.empty()) {
        span.Set("langfuse.observation.prompt.version", static_cast<std::int64_t>(v));
      } else {
        span.Set("langfuse.observation.prompt.version", version);
      }
    }
    if (const auto messages = request.find("messages"); messages != request.end()) {
      const auto text = messages->dump(-1, ' ', false, json::error_handler_t::replace);
      span.Set("langfuse.observation.input",
               redactor_.Redact(core::Utf8Prefix(text, options_.max_traced_chars)));
    }
  }
  return std::make_shared<Generation>(*this, std::move(model), std::move(span),
                                      std::move(reservation));
}

std::shared_ptr<http::Call> MeteredProvider::Chat(json request, llm::ChatCallbacks callbacks,
                                                  const llm::CallContext& context) {
  auto generation = Begin(request, context);
  if (!generation.ok()) {
    callbacks.on_done(generation.error());
    return std::make_shared<DoneCall>();
  }
  auto g = std::move(*generation);
  llm::ChatCallbacks wrapped;
  wrapped.on_chunk = [g, on_chunk = std::move(callbacks.on_chunk)](
                         std::string_view data, const llm::ChatCompletion& so_far) {
    if (!so_far.choices.empty() && !so_far.choices.front().content.empty()) g->FirstToken();
    if (on_chunk) on_chunk(data, so_far);
  };
  wrapped.on_done =
      [g, on_done = std::move(callbacks.on_done)](core::Result<llm::ChatCompletion> result) {
        if (result.ok()) {
          const auto& c = *result;
          g->Finish(c.usage, c.choices.empty() ? std::string_view() : c.choices.front().content,
                    core::Status(), true);
        } else {
          g->Finish(std::nullopt, {}, result.error(), false);
        }
        on_done(std::move(result));
      };
  return inner_.Chat(std::move(request), std::move(wrapped), g->Child(context));
}

std::shared_ptr<http::Call> MeteredProvider::Forward(std::string path, std::string body,
                                                     llm::RawCallbacks callbacks,
                                                     const llm::CallContext& context) {
  auto request = json::parse(body, nullptr, false);
  if (!request.is_object())
    return inner_.Forward(std::move(path), std::move(body), std::move(callbacks), context);
  const bool had_limit = MaxOutputTokens(request).has_value();
  auto generation = Begin(request, context);
  if (!generation.ok()) {
    callbacks.on_done(generation.error());
    return std::make_shared<DoneCall>();
  }
  if (!had_limit && MaxOutputTokens(request)) {
    body = request.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  auto g = std::move(*generation);
  const bool stream = request.value("stream", false);
  // What the response tells about usage and output: the whole JSON body, or the stream's chunks.
  struct Watch {
    int status = 0;
    std::string whole;
    llm::ChatStream chunks;
    std::unique_ptr<http::SseParser> parser;
  };
  auto watch = std::make_shared<Watch>();
  if (stream) {
    watch->parser = std::make_unique<http::SseParser>([raw = watch.get()](http::SseEvent&& e) {
      (void)raw->chunks.Add(e.data);  // a malformed chunk only costs us the usage
    });
  }
  constexpr std::size_t kMaxWatchedBytes = 8 << 20;
  llm::RawCallbacks wrapped;
  wrapped.on_head = [watch, on_head = std::move(callbacks.on_head)](
                        int status, const std::vector<http::Header>& headers) {
    watch->status = status;
    if (on_head) on_head(status, headers);
  };
  wrapped.on_body = [watch, g, stream,
                     on_body = std::move(callbacks.on_body)](std::string_view piece) {
    if (watch->status == 200) {
      if (stream) {
        g->FirstToken();
        if (watch->parser) (void)watch->parser->Feed(piece);
      } else if (watch->whole.size() + piece.size() <= kMaxWatchedBytes) {
        watch->whole.append(piece);
      }
    }
    if (on_body) on_body(piece);
  };
  wrapped.on_done = [watch, g, stream,
                     on_done = std::move(callbacks.on_done)](core::Status status) {
    if (watch->status != 200) {
      g->Finish(std::nullopt, {},
                status.ok() ? core::Status(core::Error::Unavailable(
                                  "upstream answered HTTP " + std::to_string(watch->status),
                                  std::chrono::seconds(1)))
                            : status,
                false);
    } else if (stream) {
      const auto& c = watch->chunks.completion();
      g->Finish(c.usage, c.choices.empty() ? std::string_view() : c.choices.front().content, status,
                true);
      watch->parser.reset();  // it refers to the watch
    } else {
      std::optional<llm::Usage> usage;
      std::string output;
      const auto parsed = json::parse(watch->whole, nullptr, false);
      if (parsed.is_object()) {
        if (const auto u = parsed.find("usage"); u != parsed.end() && u->is_object()) {
          usage = llm::ParseUsage(*u);
        }
        const auto choices = parsed.find("choices");
        if (choices != parsed.end() && choices->is_array() && !choices->empty()) {
          const auto& message = (*choices)[0].value("message", json::object());
          if (const auto content = message.find("content");
              content != message.end() && content->is_string()) {
            output = content->get<std::string>();
          }
        }
      }
      g->Finish(usage, output, status, true);
    }
    on_done(std::move(status));
  };
  return inner_.Forward(std::move(path), std::move(body), std::move(wrapped), g->Child(context));
}

}  // namespace recipe_rag::rag
