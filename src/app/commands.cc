#include "app/commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/explain.h"
#include "api/readiness.h"
#include "api/service.h"
#include "app/secrets.h"
#include "app/telemetry.h"
#include "auth/token_store.h"
#include "config/config.h"
#include "core/strings.h"
#include "core/work_pool.h"
#include "http/async_client.h"
#include "http/server.h"
#include "llm/extractive_writer.h"
#include "llm/openai_provider.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "rag/generator.h"
#include "rag/metered_provider.h"
#include "rag/prompt.h"
#include "retrieval/index.h"
#include "retrieval/openai_embedder.h"

namespace recipe_rag::app {
namespace {

using observability::LogLevel;
using observability::LogLine;

constexpr const char* kDefaultConfig = "config/recipe-rag.toml";

int Fail(std::string_view message) {
  std::cerr << "recipe-rag: " << message << "\n";
  return 1;
}

bool SplitHostPort(const std::string& listen, std::string* host, std::uint16_t* port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  const auto digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const int value = std::stoi(digits);
  if (value > 65535) return false;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

int Cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

std::vector<std::string> PlainTokens() {
  const char* v = std::getenv("RECIPE_RAG_API_TOKENS");  // NOLINT: read once at start-up
  return v == nullptr ? std::vector<std::string>{} : core::SplitTrimmed(v, ',');
}

// Where and how to reach the OpenAI-compatible upstream ([llm]), for chat and embeddings.
struct Upstream {
  http::Origin base;
  std::string api_key;
  std::string organization;
  std::string project;
  std::shared_ptr<http::AsyncClient> client;
};

core::Result<Upstream> ConnectUpstream(const config::LlmOptions& c) {
  Upstream u;
  auto key = ResolveSecret(c.api_key, "llm.api_key");
  if (!key.ok()) return key.error();
  auto base = http::ParseOrigin(EnvOr(c.base_url, "OPENAI_BASE_URL", "https://api.openai.com/v1"));
  if (!base.ok()) return core::Error::InvalidArgument("llm.base_url: " + base.error().message);
  http::AsyncClientOptions options;
  options.threads = c.client_threads;
  options.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  options.first_byte_timeout = std::chrono::milliseconds(c.first_byte_timeout_ms);
  options.chunk_timeout = std::chrono::milliseconds(c.chunk_timeout_ms);
  options.total_timeout = std::chrono::milliseconds(c.total_timeout_ms);
  options.max_idle_per_origin = static_cast<std::size_t>(c.max_idle_connections);
  options.verify_tls = c.verify_tls;
  options.ca_file = c.ca_file;
  if (auto st = http::ApplyProxyEnvironment(options); !st.ok()) return st.error();
  u.base = std::move(*base);
  u.api_key = std::move(*key);
  u.organization = EnvOr(c.organization, "OPENAI_ORG_ID");
  u.project = EnvOr(c.project, "OPENAI_PROJECT_ID");
  u.client = std::make_shared<http::AsyncClient>(options);
  return u;
}

std::unique_ptr<retrieval::Embedder> MakeOpenAiEmbedder(const Upstream& u,
                                                        const config::Config& config, int dim) {
  retrieval::OpenAiEmbedderOptions options;
  options.base = u.base;
  options.api_key = u.api_key;
  options.organization = u.organization;
  options.project = u.project;
  options.model = config.index.embedding_model;
  options.dim = dim;
  options.max_attempts = config.llm.max_attempts;
  options.base_delay = std::chrono::milliseconds(config.llm.retry_base_delay_ms);
  return std::make_unique<retrieval::OpenAiEmbedder>(options, u.client);
}

// The generation side of `serve`: the prompt, and the OpenAI provider when one is configured.
struct Generation {
  std::optional<rag::PromptRegistry> prompts;
  const rag::Prompt* prompt = nullptr;
  std::shared_ptr<http::AsyncClient> client;
  std::unique_ptr<llm::OpenAiProvider> provider;
  std::unique_ptr<rag::MeteredProvider> metered;  // what the service calls: `provider`, metered
  std::unique_ptr<rag::Generator> generator;
};

core::Result<std::unique_ptr<Generation>> SetUpGeneration(const config::Config& config,
                                                          Telemetry& telemetry,
                                                          observability::Logger& logger,
                                                          observability::Metrics& metrics) {
  const config::LlmOptions& c = config.llm;
  auto g = std::make_unique<Generation>();
  if (c.provider == "openai") {
    auto prompts = rag::PromptRegistry::Load(c.prompts_dir);
    if (!prompts.ok()) return core::Error::InvalidArgument("prompts: " + prompts.error().message);
    g->prompts = std::move(*prompts);
    auto prompt = g->prompts->Find(c.prompt);
    if (!prompt.ok()) return core::Error::InvalidArgument("llm.prompt: " + prompt.error().message);
    g->prompt = *prompt;
    auto upstream = ConnectUpstream(c);
    if (!upstream.ok()) return upstream.error();
    g->client = upstream->client;
    llm::OpenAiOptions options;
    options.base = upstream->base;
    options.api_key = upstream->api_key;
    options.organization = upstream->organization;
    options.project = upstream->project;
    options.retry.max_attempts = c.max_attempts;
    options.retry.base_delay = llm::Millis(c.retry_base_delay_ms);
    options.retry.max_delay = llm::Millis(c.retry_max_delay_ms);
    options.retry.deadline = llm::Millis(c.retry_deadline_ms);
    options.breaker.failure_threshold = c.breaker_failures;
    options.breaker.open_for = llm::Millis(c.breaker_open_ms);
    options.breaker.half_open_probes = c.breaker_half_open_probes;
    g->provider = std::make_unique<llm::OpenAiProvider>(options, *g->client, logger, metrics);
    const auto& b = config.budgets;
    rag::MeteringOptions metering;
    metering.cap_output = b.daily_usd > 0 || b.monthly_usd > 0 || !b.tokens.empty();
    metering.default_max_output_tokens = b.default_max_output_tokens;
    metering.on_call = [&telemetry](const rag::LlmCallSummary& call) { telemetry.OnLlmCall(call); };
    g->metered = std::make_unique<rag::MeteredProvider>(
        *g->provider, telemetry.prices(), telemetry.budgets(),
        [&telemetry](const cost::BudgetAlert& alert) { telemetry.OnBudgetAlert(alert); },
        telemetry.redactor(), metrics, logger, metering);
  }
  g->generator = std::make_unique<rag::Generator>(g->metered.get(), g->prompt,
                                                  rag::GeneratorOptions{c.model, c.fallback_model},
                                                  logger, metrics);
  return g;
}

}  // namespace

core::Result<config::Config> LoadConfig(const ConfigFlags& flags) {
  config::LoadRequest request;
  if (!flags.config_file.empty()) {
    request.defaults_file = flags.config_file;
  } else if (std::filesystem::exists(kDefaultConfig)) {
    request.defaults_file = kDefaultConfig;
  }
  request.env = flags.env;
  request.env_names = config::ProcessEnvNames();
  return config::Load(request);
}

int Serve(const ServeFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  auto config = LoadConfig(flags.config);
  if (!config.ok()) return Fail(config.error().message);
  if (!flags.listen.empty()) config->server.listen = flags.listen;
  if (!flags.index.empty()) config->index.path = flags.index;
  http::ServerOptions server_options;
  if (!SplitHostPort(config->server.listen, &server_options.host, &server_options.port)) {
    return Fail("--listen must be HOST:PORT");
  }
  LogLevel level = LogLevel::kInfo;
  observability::ParseLogLevel(config->log.level, &level);
  observability::Logger logger(STDERR_FILENO, level);

  auto tokens =
      auth::TokenStore::FromReferences(config->auth.tokens, PlainTokens(), config::ProcessEnv());
  if (!tokens.ok()) {
    logger.Log(LogLevel::kError, tokens.error().message);
    return 1;
  }
  if (tokens->size() == 0) {
    logger.Log(LogLevel::kError,
               "no API tokens configured: set auth.tokens or RECIPE_RAG_API_TOKENS (see "
               "`recipe-rag token new`)");
    return 1;
  }

  const int workers = config->search.workers > 0 ? config->search.workers : Cores();
  auto pool = std::make_unique<core::WorkPool>(workers, config->search.queue_capacity);
  api::Readiness readiness;
  api::ServiceOptions service_options;
  service_options.max_query_chars = config->search.max_query_chars;
  service_options.retry_after_s = config->search.retry_after_s;
  service_options.config_sha256 = config->sha256;
  observability::Metrics metrics;
  auto telemetry = Telemetry::Start(*config, logger, metrics);
  if (!telemetry.ok()) {
    logger.Log(LogLevel::kError, telemetry.error().message);
    return 1;
  }
  service_options.environment = (*telemetry)->environment();
  service_options.budget_reject = config->budgets.on_exhausted == "reject";
  service_options.before_metrics = [t = telemetry->get()] { t->RefreshGauges(); };
  service_options.stats = [t = telemetry->get()](std::string_view window) {
    return t->Stats(window);
  };
  service_options.on_answer = [t = telemetry->get()](const rag::Answer& answer) {
    t->OnAnswer(answer);
  };
  auto generation = SetUpGeneration(*config, **telemetry, logger, metrics);
  if (!generation.ok()) {
    logger.Log(LogLevel::kError, generation.error().message);
    return 1;
  }
  api::LlmBackend backend;
  backend.generator = (*generation)->generator.get();
  backend.provider = (*generation)->metered.get();
  backend.model = config->llm.model;
  backend.models = config->llm.models;
  backend.max_tool_rounds = config->llm.max_tool_rounds;
  logger.Emit(LogLine(LogLevel::kInfo, "generation")
                  .Str("provider", config->llm.provider)
                  .Str("model", backend.provider != nullptr ? config->llm.model : "extractive")
                  .Str("fallback_model", config->llm.fallback_model)
                  .Str("prompt", backend.generator->prompt_ref()));
  api::Service service(service_options, *tokens, *pool, readiness, logger, metrics,
                       (*telemetry)->redactor(), backend);

  auto index = retrieval::LoadIndex(config->index.path, IndexLoadOptions(*config, true));
  if (index.ok()) {
    const auto& m = (*index)->manifest;
    service.SetIndex(*index);
    metrics.Gauge("recipe_rag_index_documents", "Recipes in the index being served.")
        .With({})
        .Set(static_cast<double>(m.records));
    metrics
        .Gauge("recipe_rag_index_info", "The index being served; the value is always 1.",
               {"version"})
        .With({m.index_version})
        .Set(1);
    readiness.SetIndexLoaded();
    logger.Emit(LogLine(LogLevel::kInfo, "index loaded")
                    .Str("index_version", m.index_version)
                    .Int("records", static_cast<std::int64_t>(m.records))
                    .Int("load_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started)
                                        .count()));
  } else {
    readiness.SetIndexProblem("index: " + index.error().message);
    logger.Emit(LogLine(LogLevel::kError, "index not loaded; serving /readyz 503 until fixed")
                    .Str("reason", index.error().message));
  }

  server_options.io_threads = config->server.io_threads > 0 ? config->server.io_threads : Cores();
  server_options.body_limit_bytes = config->server.body_limit_bytes;
  server_options.header_limit_bytes = config->server.header_limit_bytes;
  server_options.header_timeout = std::chrono::milliseconds(config->server.header_timeout_ms);
  server_options.idle_timeout = std::chrono::milliseconds(config->server.idle_timeout_ms);
  server_options.request_timeout = std::chrono::milliseconds(config->server.request_timeout_ms);
  server_options.drain_timeout = std::chrono::milliseconds(config->server.drain_timeout_ms);
  server_options.max_connections = config->server.max_connections;
  server_options.access_log = config->log.access_log;
  if (config->metrics.enabled) {
    server_options.on_request = [t = telemetry->get()](const http::RequestSummary& summary) {
      t->OnRequest(summary);
    };
  }
  http::Server server(server_options, service, logger, &(*telemetry)->tracer());
  auto address = server.Listen();
  if (!address.ok()) {
    logger.Log(LogLevel::kError, address.error().message);
    return 1;
  }
  logger.Emit(LogLine(LogLevel::kInfo, "listening")
                  .Str("address", *address)
                  .Int("io_threads", server_options.io_threads)
                  .Int("search_workers", workers)
                  .Str("env", config->env));
  server.Run([&readiness] { readiness.SetDraining(); });
  pool.reset();  // finish queued searches while the server's executor still exists
  if ((*generation)->metered) (*generation)->metered->Drain();  // spend into the ledger
  generation->reset();  // stop upstream calls (their callbacks refer to the service)
  // Spans still queued go out within the drain time, or to the spill for the next start.
  (*telemetry)->Shutdown(std::chrono::milliseconds(config->server.drain_timeout_ms));
  logger.Log(LogLevel::kInfo, "shutdown complete");
  return 0;
}

int Search(const SearchFlags& flags) {
  auto config = LoadConfig(flags.config);
  if (!config.ok()) return Fail(config.error().message);
  const std::string dir = flags.index.empty() ? config->index.path : flags.index;
  auto index = retrieval::LoadIndex(dir, IndexLoadOptions(*config, false));
  if (!index.ok()) return Fail(index.error().message);
  retrieval::Query query;
  query.text = flags.query;
  query.top_k = static_cast<std::size_t>(flags.top_k);
  query.explain = flags.explain;
  if (core::Trim(query.text).empty()) {
    std::cerr << "recipe-rag: the query must not be empty\n";
    return 2;
  }
  auto hits = (*index)->retriever->Search(query);
  if (!hits.ok()) return Fail(hits.error().message);
  std::vector<llm::SourceRecipe> sources;
  nlohmann::json recipes = nlohmann::json::array();
  for (const auto& hit : *hits) {
    const auto& r = (*index)->recipes[hit.recipe];
    sources.push_back({r.id, r.title, &r.ingredients, hit.low_confidence});
    recipes.push_back({{"id", r.id},
                       {"title", r.title},
                       {"score", hit.score},
                       {"low_confidence", hit.low_confidence}});
  }
  const auto answer = llm::WriteExtractiveAnswer(query.text, sources);
  if (flags.json) {
    nlohmann::json out{{"recipes", recipes}, {"generated_response", answer}};
    if (flags.explain) {
      nlohmann::json per_hit = nlohmann::json::array();
      for (const auto& hit : *hits) per_hit.push_back(api::HitExplainJson(hit));
      out["explain"] = {{"query", api::InterpretationJson((*index)->retriever->Interpret(query))},
                        {"results", per_hit}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (std::size_t i = 0; i < hits->size(); ++i) {
    const auto& hit = (*hits)[i];
    const auto& r = (*index)->recipes[hit.recipe];
    std::printf("%2zu. %.3f%s  %s  (%s)\n", i + 1, hit.score, hit.low_confidence ? " (low)" : "",
                r.title.c_str(), r.id.c_str());
    if (flags.explain) {
      const auto& e = hit.explain;
      std::printf(
          "      bm25 rank %d score %.3f | vector rank %d cosine %.3f | fused %.4f | "
          "coverage %.2f\n",
          e.lexical_rank, e.lexical_score, e.vector_rank, e.vector_score, e.fused, e.coverage);
    }
  }
  if (flags.explain) {
    std::cout << "\nunderstood: "
              << api::InterpretationJson((*index)->retriever->Interpret(query)).dump() << "\n";
  }
  std::cout << "\n" << answer << "\n";
  return 0;
}

int IndexBuild(const IndexBuildFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  auto config = LoadConfig(flags.config);
  if (!config.ok()) return Fail(config.error().message);
  retrieval::BuildRequest request;
  request.embedding_dim = config->index.embedding_dim;
  request.embedder_seed = static_cast<std::uint64_t>(config->index.embedder_seed);
  request.hnsw_threshold = static_cast<std::size_t>(config->index.hnsw_threshold);
  request.corpus_file = flags.corpus;
  request.lexicon_file = flags.lexicon;
  request.out_dir = flags.out;
  request.require_instructions = flags.require_instructions;
  std::unique_ptr<retrieval::Embedder> remote;
  if (config->index.embedder == "openai") {
    auto upstream = ConnectUpstream(config->llm);
    if (!upstream.ok()) return Fail(upstream.error().message);
    remote = MakeOpenAiEmbedder(*upstream, *config, config->index.embedding_dim);
    request.embedder = remote.get();
  }
  auto manifest = retrieval::BuildIndex(request);
  if (!manifest.ok()) return Fail(manifest.error().message);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cerr << "recipe-rag: built index " << manifest->index_version << " (" << manifest->records
            << " recipes) in " << ms.count() << " ms\n";
  return 0;
}

int IndexInfo(const std::string& dir, bool verify) {
  auto manifest = retrieval::ReadManifest(dir);
  if (!manifest.ok()) return Fail(manifest.error().message);
  std::cout << retrieval::ManifestToJson(*manifest);
  if (verify) {
    if (auto st = retrieval::VerifyFiles(dir, *manifest); !st.ok()) return Fail(st.error().message);
    std::cerr << "recipe-rag: all " << manifest->files.size() << " files match their checksums\n";
  }
  return 0;
}

retrieval::LoadOptions IndexLoadOptions(const config::Config& config, bool cache) {
  using retrieval::HybridOptions;
  retrieval::LoadOptions options;
  options.cache_entries = cache ? static_cast<std::size_t>(config.search.cache_entries) : 0;
  options.expected_embedder = {{config.index.embedder, config.index.embedding_dim}};
  // An index embedded by the OpenAI API embeds queries through it too, with the same model.
  options.remote_embedder = [config](const retrieval::EmbedderInfo& info)
      -> core::Result<std::unique_ptr<retrieval::Embedder>> {
    if (info.name != retrieval::OpenAiEmbedder::kName) {
      return core::Error::DataLoss("index embedder " + info.name + " is not supported");
    }
    auto upstream = ConnectUpstream(config.llm);
    if (!upstream.ok()) return upstream.error();
    auto with_model = config;
    with_model.index.embedding_model = info.version;
    return MakeOpenAiEmbedder(*upstream, with_model, info.dim);
  };
  auto& s = options.search;
  s.fusion = config.search.fusion == "weighted" ? HybridOptions::Fusion::kWeighted
                                                : HybridOptions::Fusion::kRrf;
  s.rrf_k = config.search.rrf_k;
  s.vector_weight = config.search.vector_weight;
  s.candidates = static_cast<std::size_t>(config.search.candidates);
  s.min_score = config.search.min_score;
  s.components = config.search.components == "lexical"  ? HybridOptions::Components::kLexical
                 : config.search.components == "vector" ? HybridOptions::Components::kVector
                                                        : HybridOptions::Components::kHybrid;
  s.lexicon = config.search.lexicon;
  s.spelling = config.search.spelling;
  s.query_intents = config.search.query_intents;
  return options;
}

int TokenNew() {
  const auto t = auth::GenerateToken();
  std::cout << "token:  " << t.token << "\n"
            << "sha256: " << t.sha256 << "\n"
            << "Give the token to the client; configure the server with the hash only:\n"
            << "  [auth] tokens = [\"sha256:" << t.sha256 << "\"]\n";
  return 0;
}

int ConfigCheck(const ConfigFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(config.error().message);
  std::cout << config::DumpRedacted(*config, config::ProcessEnv()) << "\n";
  return 0;
}

}  // namespace recipe_rag::app
