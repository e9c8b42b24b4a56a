#include "app/telemetry.h"

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "app/secrets.h"
#include "core/crypto.h"
#include "core/strings.h"
#include "core/version.h"
#include "observability/emf.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "observability/otlp.h"

namespace recipe_rag::app {
namespace {

using observability::LogLevel;
using observability::LogLine;

// Delivers payloads with one POST each through the shared client, waiting on the exporter's
// thread (never an I/O thread) for at most the timeout.
class HttpSender : public observability::PayloadSender {
 public:
  HttpSender(std::shared_ptr<http::AsyncClient> client, http::Origin origin, std::string path,
             std::vector<http::Header> headers, std::chrono::milliseconds timeout)
      : client_(std::move(client)),
        origin_(std::move(origin)),
        path_(std::move(path)),
        headers_(std::move(headers)),
        timeout_(timeout) {}

  Outcome Send(const std::string& payload) override {
    struct Wait {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      bool ok = false;
      int status = 0;
    };
    auto wait = std::make_shared<Wait>();
    http::OutboundRequest request;
    request.method = "POST";
    request.target = path_;
    request.headers = headers_;
    request.body = payload;
    request.total_timeout = timeout_;
    http::ResponseCallbacks cb;
    cb.on_head = [wait](int status, const std::vector<http::Header>&) {
      std::lock_guard lock(wait->mu);
      wait->status = status;
    };
    cb.on_body = [](std::string_view) {};
    cb.on_done = [wait](core::Status status) {
      std::lock_guard lock(wait->mu);
      wait->ok = status.ok();
      wait->done = true;
      wait->cv.notify_all();
    };
    auto call = client_->Start(origin_, std::move(request), std::move(cb));
    std::unique_lock lock(wait->mu);
    if (!wait->cv.wait_for(lock, timeout_ + std::chrono::seconds(2), [&] { return wait->done; })) {
      lock.unlock();
      call->Cancel();
      return Outcome::kRetry;
    }
    if (!wait->ok || wait->status == 0) return Outcome::kRetry;
    const int s = wait->status;
    if (s >= 200 && s < 300) return Outcome::kDelivered;
    if (s == 408 || s == 429 || s >= 500) return Outcome::kRetry;
    return Outcome::kRejected;
  }

 private:
  const std::shared_ptr<http::AsyncClient> client_;
  const http::Origin origin_;
  const std::string path_;
  const std::vector<http::Header> headers_;
  const std::chrono::milliseconds timeout_;
};

// A URL split into the origin to connect to and the path to POST to.
core::Result<std::pair<http::Origin, std::string>> SplitUrl(const std::string& url,
                                                            const char* what) {
  auto origin = http::ParseOrigin(url, what);
  if (!origin.ok())
    return core::Error::InvalidArgument(std::string(what) + ": " + origin.error().message);
  std::string path = origin->base_path.empty() ? "/" : origin->base_path;
  origin->base_path.clear();
  return std::make_pair(std::move(*origin), std::move(path));
}

// OTEL_EXPORTER_OTLP_HEADERS: "k1=v1,k2=v2" (values percent-decoded per the spec).
std::vector<http::Header> OtlpHeaders(const std::string& text) {
  std::vector<http::Header> out;
  for (const auto& item : core::SplitTrimmed(text, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string value;
    const std::string raw(core::Trim(item.substr(eq + 1)));
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
        value.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        value.push_back(raw[i]);
      }
    }
    out.push_back({std::string(core::Trim(item.substr(0, eq))), value});
  }
  return out;
}

std::string Today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Hands finished traces to the exporter.
class Telemetry::SpanQueue : public observability::SpanSink {
 public:
  explicit SpanQueue(observability::BatchExporter<observability::SpanData>& exporter)
      : exporter_(exporter) {}
  void Submit(std::vector<observability::SpanData> spans) override {
    exporter_.Add(std::move(spans));
  }

 private:
  observability::BatchExporter<observability::SpanData>& exporter_;
};

core::Result<std::unique_ptr<Telemetry>> Telemetry::Start(const config::Config& config,
                                                          observability::Logger& logger,
                                                          observability::Metrics& metrics) {
  std::unique_ptr<Telemetry> t(new Telemetry(logger, metrics));
  t->environment_ = EnvOr("", "LANGFUSE_TRACING_ENVIRONMENT",
                          config.env.empty() ? std::string("dev") : config.env);
  observability::RedactMode mode = observability::RedactMode::kRedact;
  observability::ParseRedactMode(config.log.redact, &mode);
  // Hashes are keyed per process, so tokens correlate within a run but cannot be confirmed
  // offline by guessing.
  t->redactor_ = std::make_unique<observability::Redactor>(mode, core::RandomToken(32));
  t->emf_ = config.metrics.emf;
  t->emf_namespace_ = config.metrics.emf_namespace;

  http::AsyncClientOptions client_options;
  client_options.threads = 1;
  client_options.total_timeout = std::chrono::milliseconds(config.tracing.export_timeout_ms);
  client_options.first_byte_timeout = client_options.total_timeout;
  client_options.connect_timeout =
      std::min(client_options.total_timeout, std::chrono::milliseconds(5000));
  client_options.max_idle_per_origin = 4;
  if (auto st = http::ApplyProxyEnvironment(client_options); !st.ok()) return st.error();
  t->client_ = std::make_shared<http::AsyncClient>(client_options);

  if (auto st = t->StartTracing(config); !st.ok()) return st.error();
  if (auto st = t->StartBudgets(config); !st.ok()) return st.error();

  metrics
      .Gauge("recipe_rag_build_info", "Build metadata; the value is always 1.",
             {"version", "git_sha"})
      .With({core::kVersion, core::kGitSha})
      .Set(1);
  metrics.Gauge("process_start_time_seconds", "Start time of the process, Unix seconds.")
      .With({})
      .Set(static_cast<double>(NowMillis()) / 1000.0);
  return t;
}

Telemetry::~Telemetry() { Shutdown(std::chrono::milliseconds(0)); }

core::Status Telemetry::StartTracing(const config::Config& config) {
  const auto& c = config.tracing;
  std::string kind = c.exporter;
  auto public_key = ResolveSecret(c.langfuse_public_key, "tracing.langfuse_public_key");
  auto secret_key = ResolveSecret(c.langfuse_secret_key, "tracing.langfuse_secret_key");
  const bool langfuse_keys =
      public_key.ok() && secret_key.ok() && !public_key->empty() && !secret_key->empty();
  std::string otlp = c.otlp_endpoint;
  if (otlp.empty()) otlp = EnvOr("", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (otlp.empty()) {
    const auto base = EnvOr("", "OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!base.empty())
      otlp = (base.back() == '/' ? base.substr(0, base.size() - 1) : base) + "/v1/traces";
  }
  if (kind == "auto") kind = langfuse_keys ? "langfuse" : !otlp.empty() ? "otlp" : "none";

  std::string url;
  std::string langfuse_api;  // https://HOST/api/public, for Langfuse
  std::string auth_header;
  std::vector<http::Header> headers{{"Content-Type", "application/x-protobuf"}};
  if (kind == "langfuse") {
    if (!public_key.ok()) return public_key.error();
    if (!secret_key.ok()) return secret_key.error();
    if (!langfuse_keys) {
      return core::Error::InvalidArgument(
          "tracing: Langfuse needs tracing.langfuse_public_key and tracing.langfuse_secret_key");
    }
    langfuse_api = EnvOr(c.langfuse_base_url, "LANGFUSE_BASE_URL",
                         EnvOr("", "LANGFUSE_HOST", "https://cloud.langfuse.com"));
    while (!langfuse_api.empty() && langfuse_api.back() == '/') langfuse_api.pop_back();
    langfuse_api += "/api/public";
    url = langfuse_api + "/otel/v1/traces";
    auth_header = "Basic " + core::Base64Encode(*public_key + ":" + *secret_key);
    headers.push_back({"Authorization", auth_header});
    headers.push_back({"x-langfuse-ingestion-version", "4"});
  } else if (kind == "otlp") {
    if (otlp.empty()) {
      return core::Error::InvalidArgument(
          "tracing.otlp_endpoint: set it or OTEL_EXPORTER_OTLP_ENDPOINT");
    }
    url = otlp;
    for (auto& h : OtlpHeaders(EnvOr("", "OTEL_EXPORTER_OTLP_HEADERS"))) {
      headers.push_back(std::move(h));
    }
  }
  exporter_name_ = kind;
  if (kind == "none") {
    tracer_ = std::make_unique<observability::Tracer>(nullptr);
    return core::Status::Ok();
  }
  auto target = SplitUrl(url, "tracing endpoint");
  if (!target.ok()) return target.error();
  sender_ = std::make_unique<HttpSender>(client_, std::move(target->first),
                                         std::move(target->second), std::move(headers),
                                         std::chrono::milliseconds(c.export_timeout_ms));
  std::vector<observability::Attribute> resource{
      {"service.name", EnvOr(c.service_name, "OTEL_SERVICE_NAME", "recipe-rag")},
      {"service.version", std::string(core::kVersion)},
      {"deployment.environment.name", environment_},
      {"deployment.environment", environment_}};
  observability::InstrumentationScope scope{"recipe-rag", core::kVersion};
  observability::ExportOptions options;
  options.kind = "spans";
  options.queue_capacity = static_cast<std::size_t>(c.queue_capacity);
  options.max_batch = static_cast<std::size_t>(c.batch_size);
  options.flush_interval = std::chrono::milliseconds(c.flush_interval_ms);
  options.spill_dir = c.spill_dir;
  options.spill_max_bytes = static_cast<std::uint64_t>(c.spill_max_mb) << 20;
  exporter_ = std::make_unique<observability::BatchExporter<observability::SpanData>>(
      options,
      [resource, scope](const std::vector<observability::SpanData>& batch) {
        return observability::EncodeExportTraceServiceRequest(resource, scope, batch);
      },
      *sender_, metrics_, logger_);
  sink_ = std::make_unique<SpanQueue>(*exporter_);
  if (kind == "langfuse") {
    auto scores_target = SplitUrl(langfuse_api + "/scores", "tracing endpoint");
    if (!scores_target.ok()) return scores_target.error();
    std::vector<http::Header> score_headers{{"Content-Type", "application/json"},
                                            {"Authorization", auth_header}};
    score_sender_ = std::make_unique<HttpSender>(
        client_, std::move(scores_target->first), std::move(scores_target->second),
        std::move(score_headers), std::chrono::milliseconds(c.export_timeout_ms));
    observability::ExportOptions score_options = options;
    score_options.kind = "scores";
    score_options.max_batch = 1;  // the scores API takes one score per request
    scores_ = std::make_unique<observability::BatchExporter<std::string>>(
        score_options, [](const std::vector<std::string>& batch) { return batch.front(); },
        *score_sender_, metrics_, logger_);
  }
  tracer_ = std::make_unique<observability::Tracer>(sink_.get());
  logger_.Emit(LogLine(LogLevel::kInfo, "tracing")
                   .Str("exporter", kind)
                   .Str("endpoint", url)
                   .Str("environment", environment_));
  return core::Status::Ok();
}

core::Status Telemetry::StartBudgets(const config::Config& config) {
  const auto& b = config.budgets;
  auto prices = cost::PriceTable::LoadDirectory(b.prices_dir, Today());
  if (prices.ok()) {
    prices_ = std::move(*prices);
  } else if (prices.error().code == core::ErrorCode::kNotFound) {
    logger_.Emit(LogLine(LogLevel::kWarn, "no price tables; LLM calls are not priced")
                     .Str("setting", "budgets.prices_dir"));
  } else {
    return core::Error::InvalidArgument("budgets.prices_dir: " + prices.error().message);
  }
  if (!b.alert_webhook.empty()) {
    auto url = ResolveSecret(b.alert_webhook, "budgets.alert_webhook");
    if (!url.ok()) return url.error();
    auto target = SplitUrl(*url, "budgets.alert_webhook");
    if (!target.ok()) return core::Error::InvalidArgument("budgets.alert_webhook: not a URL");
    webhook_ = std::move(target->first);
    webhook_path_ = std::move(target->second);
  }
  if (b.ledger.empty()) return core::Status::Ok();
  std::error_code ec;
  const std::filesystem::path ledger_path(b.ledger);
  if (ledger_path.has_parent_path())
    std::filesystem::create_directories(ledger_path.parent_path(), ec);
  auto ledger = cost::Ledger::Open(ledger_path);
  if (!ledger.ok())
    return core::Error::InvalidArgument("budgets.ledger: " + ledger.error().message);
  ledger_ = std::move(*ledger);
  cost::BudgetConfig budget_config;
  budget_config.environment = environment_;
  budget_config.environment_limits = {b.daily_usd, b.monthly_usd};
  budget_config.alert_ratio = b.alert_ratio;
  for (const auto& [id, daily, monthly] : b.tokens) {
    budget_config.token_limits[id] = {daily, monthly};
  }
  auto budgets = cost::Budgets::Create(std::move(budget_config), *ledger_);
  if (!budgets.ok()) return core::Error::InvalidArgument("budgets: " + budgets.error().message);
  budgets_ = std::move(*budgets);
  RefreshGauges();
  return core::Status::Ok();
}

void Telemetry::OnRequest(const http::RequestSummary& r) {
  // The series for a route and status, found once per thread: the hot path is then two
  // atomic adds and a bucket search.
  struct Series {
    observability::Series* requests;
    observability::HistogramSeries* duration;
  };
  thread_local std::unordered_map<std::string, Series> cache;
  std::string key(r.route);
  key.push_back('\0');
  key += std::to_string(r.status);
  auto it = cache.find(key);
  if (it == cache.end()) {
    auto& requests = metrics_
                         .Counter("recipe_rag_http_requests_total",
                                  "HTTP requests by route and status code.", {"route", "code"})
                         .With({std::string(r.route), std::to_string(r.status)});
    auto& duration = metrics_
                         .Histogram("recipe_rag_http_request_duration_seconds",
                                    "HTTP request duration by route, first byte in to last out.",
                                    observability::DefaultLatencyBuckets(), {"route"})
                         .WithHistogram({std::string(r.route)});
    it = cache.emplace(std::move(key), Series{&requests, &duration}).first;
  }
  const double seconds = std::chrono::duration<double>(r.duration).count();
  it->second.requests->Add();
  it->second.duration->Observe(seconds);
  // The dashboards show the API's traffic, not probes and scrapes.
  if (r.route.rfind("/v1/", 0) == 0) {
    stats_.RecordRequest(std::chrono::system_clock::now(), r.status, seconds);
  }
  if (!emf_) return;
  observability::EmfEvent event(emf_namespace_, NowMillis());
  event.Dimension("Environment", environment_)
      .Dimension("Route", std::string(r.route))
      .Metric("Latency", seconds * 1000.0, "Milliseconds")
      .Metric("Requests", 1, "Count")
      .Metric("Errors", r.status >= 500 ? 1 : 0, "Count")
      .Metric("ClientErrors", r.status >= 400 && r.status < 500 ? 1 : 0, "Count")
      .Metric("Timeouts", r.status == 504 ? 1 : 0, "Count")
      .Property("trace_id", std::string(r.trace_id))
      .Property("request_id", std::string(r.request_id))
      .Property("status", std::to_string(r.status));
  for (auto& line : event.Lines()) logger_.EmitRaw(std::move(line));
}

void Telemetry::OnLlmCall(const rag::LlmCallSummary& call) {
  stats_.RecordLlmCall(std::chrono::system_clock::now(), call.seconds,
                       call.time_to_first_token_seconds, call.usage ? call.usage->prompt_tokens : 0,
                       call.usage ? call.usage->completion_tokens : 0, call.cost_usd.value_or(0),
                       call.ok);
  if (!emf_) return;
  observability::EmfEvent event(emf_namespace_, NowMillis());
  event.Dimension("Environment", environment_)
      .Dimension("Model", call.model)
      .Metric("LLMLatency", call.seconds * 1000.0, "Milliseconds")
      .Metric("LLMCalls", 1, "Count")
      .Metric("LLMErrors", call.ok ? 0 : 1, "Count");
  if (call.time_to_first_token_seconds) {
    event.Metric("TimeToFirstToken", *call.time_to_first_token_seconds * 1000.0, "Milliseconds");
  }
  if (call.usage) {
    event.Metric("InputTokens", static_cast<double>(call.usage->prompt_tokens), "Count")
        .Metric("OutputTokens", static_cast<double>(call.usage->completion_tokens), "Count");
  }
  if (call.cost_usd) event.Metric("CostUSD", *call.cost_usd, "None");
  event.Property("provider", call.provider);
  for (auto& line : event.Lines()) logger_.EmitRaw(std::move(line));
}

void Telemetry::OnAnswer(const rag::Answer& answer) {
  if (answer.degraded) stats_.RecordDegraded(std::chrono::system_clock::now());
  if (!scores_ || answer.trace_id.empty()) return;
  // Each score has its own id, so that one re-sent from the spill is not counted twice.
  auto score = [&](const char* name, double value, const char* type) {
    nlohmann::json s = {{"id", core::RandomToken(16)},
                        {"traceId", answer.trace_id},
                        {"name", name},
                        {"value", value},
                        {"dataType", type},
                        {"environment", environment_}};
    return s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  scores_->Add({score("degraded", answer.degraded ? 1 : 0, "BOOLEAN"),
                score("answer_chars", static_cast<double>(answer.text.size()), "NUMERIC")});
}

core::Result<std::string> Telemetry::Stats(std::string_view window) const {
  const auto now = std::chrono::system_clock::now();
  auto out = stats_.Query(window, now);
  if (!out.ok()) return out.error();
  nlohmann::json budgets = nlohmann::json::array();
  nlohmann::json days = nlohmann::json::array();
  if (budgets_) {
    for (const auto& b : budgets_->Snapshot()) {
      budgets.push_back({{"scope", b.scope},
                         {"period", b.period},
                         {"period_key", b.period_key},
                         {"limit_usd", b.limit_usd},
                         {"spent_usd", b.spent_usd},
                         {"reserved_usd", b.reserved_usd},
                         {"ratio", b.ratio}});
    }
  }
  if (ledger_) {
    const auto span = window == "30d"  ? std::chrono::hours(24 * 29)
                      : window == "7d" ? std::chrono::hours(24 * 6)
                                       : std::chrono::hours(0);
    auto rows = ledger_->Series(cost::UtcDay(now - span), cost::UtcDay(now));
    if (rows.ok()) {
      for (const auto& r : *rows) {
        if (r.environment != environment_) continue;
        days.push_back({{"day", r.day},
                        {"model", r.model},
                        {"requests", r.requests},
                        {"input_tokens", r.input_tokens},
                        {"cached_input_tokens", r.cached_input_tokens},
                        {"output_tokens", r.output_tokens},
                        {"cost_usd", r.cost_usd}});
      }
    }
  }
  (*out)["environment"] = environment_;
  (*out)["budgets"] = std::move(budgets);
  (*out)["spend_by_day"] = std::move(days);
  return out->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Telemetry::OnBudgetAlert(const cost::BudgetAlert& alert) {
  metrics_
      .Counter("recipe_rag_budget_alerts_total",
               "Budget alerts raised (first crossing per period).", {"period"})
      .With({alert.period})
      .Add();
  char summary[256];
  std::snprintf(summary, sizeof(summary),
                "recipe-rag budget alert: the %s budget for %s is at %.0f%% (USD %.2f of %.2f) "
                "for %s",
                alert.period.c_str(), alert.scope.c_str(), alert.ratio * 100.0, alert.spent_usd,
                alert.limit_usd, alert.period_key.c_str());
  logger_.Emit(LogLine(LogLevel::kWarn, "budget alert")
                   .Str("scope", alert.scope)
                   .Str("period", alert.period)
                   .Str("period_key", alert.period_key)
                   .Int("percent", static_cast<std::int64_t>(alert.ratio * 100.0))
                   .Str("text", summary));
  if (!webhook_) return;
  // Slack's incoming-webhook body; other chat tools accept the same "text".
  nlohmann::json body = {{"text", summary},
                         {"scope", alert.scope},
                         {"period", alert.period},
                         {"period_key", alert.period_key},
                         {"limit_usd", alert.limit_usd},
                         {"spent_usd", alert.spent_usd},
                         {"ratio", alert.ratio},
                         {"environment", environment_}};
  http::OutboundRequest request;
  request.method = "POST";
  request.target = webhook_path_;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump();
  request.total_timeout = std::chrono::milliseconds(10'000);
  http::ResponseCallbacks cb;
  auto status = std::make_shared<int>(0);
  cb.on_head = [status](int s, const std::vector<http::Header>&) { *status = s; };
  cb.on_body = [](std::string_view) {};
  cb.on_done = [this, status](core::Status st) {
    if (!st.ok() || *status < 200 || *status >= 300) {
      logger_.Emit(LogLine(LogLevel::kError, "budget alert webhook failed")
                       .Int("status", *status)
                       .Str("error", st.ok() ? std::string() : st.error().message));
    }
  };
  client_->Start(*webhook_, std::move(request), std::move(cb));
}

void Telemetry::RefreshGauges() {
  if (!budgets_) return;
  auto& ratio =
      metrics_.Gauge("recipe_rag_budget_used_ratio",
                     "Share of each budget spent in its current period.", {"scope", "period"});
  auto& spent = metrics_.Gauge("recipe_rag_budget_spent_usd",
                               "USD spent in each budget's current period.", {"scope", "period"});
  auto& limit = metrics_.Gauge("recipe_rag_budget_limit_usd",
                               "Each budget's limit, USD (0 = none).", {"scope", "period"});
  for (const auto& s : budgets_->Snapshot()) {
    ratio.With({s.scope, s.period}).Set(s.ratio);
    spent.With({s.scope, s.period}).Set(s.spent_usd);
    limit.With({s.scope, s.period}).Set(s.limit_usd);
  }
}

void Telemetry::Shutdown(std::chrono::milliseconds budget) {
  if (exporter_) exporter_->Shutdown(budget);
  if (scores_) scores_->Shutdown(budget);
}

void Telemetry::Flush() {
  if (exporter_) exporter_->Flush();
  if (scores_) scores_->Flush();
}

}  // namespace recipe_rag::app
