// Typed configuration of the service: plain structs, one per module, loaded once and immutable.
//
// Sources, lowest precedence first: the defaults file (config/recipe-rag.toml), the
// environment overlay next to it (config/<env>.toml, env from --env or RECIPE_RAG_ENV), then
// variables RECIPE_RAG__SECTION__KEY=value (value read as a TOML value, else as a string).
// Command-line flags are applied by the caller afterwards. Unknown keys and bad values are
// errors naming the key path ("server.body_limit_bytes"); every problem is reported at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/result.h"

namespace recipe_rag::config {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";      // HOST:PORT; port 0 picks a free port
  int io_threads = 0;                         // I/O threads; 0 = number of cores
  std::size_t body_limit_bytes = 1 << 20;     // larger request bodies get 413
  std::size_t header_limit_bytes = 16 << 10;  // larger request heads get 431
  int header_timeout_ms = 10'000;   // from a request's first byte to the end of its headers
  int idle_timeout_ms = 60'000;     // keep-alive: wait for the next request
  int request_timeout_ms = 30'000;  // reading the body and writing the response
  int drain_timeout_ms = 20'000;    // on SIGTERM: how long in-flight requests may finish
  int max_connections = 10'000;     // further connections are closed at once
};

struct SearchOptions {
  int workers = 0;             // search threads; 0 = number of cores
  int queue_capacity = 256;    // searches waiting for a worker; beyond it 503
  int retry_after_s = 1;       // Retry-After on 503 when the queue is full
  int max_query_chars = 2000;  // longer queries get 422
  int cache_entries = 10'000;  // search answers remembered per index version; 0 disables
  std::string fusion = "rrf";  // how lexical and vector rankings combine: rrf | weighted
  int rrf_k = 60;              // reciprocal-rank fusion constant
  double vector_weight = 0.3;  // share of the vector ranking in fusion (BM25 gets the rest)
  int candidates = 100;        // results each component contributes to fusion
  double min_score = 0.5;      // results scoring below are flagged low_confidence
  // For ablations and diagnosis; production runs everything.
  std::string components = "hybrid";  // hybrid | lexical | vector
  bool lexicon = true;                // expand modern words with period ones
  bool spelling = true;               // correct unknown words from the corpus' spelling
  bool query_intents = true;          // "vegetarian", "without eggs", "quick" become filters
};

struct IndexOptions {
  std::string path = "var/index";  // index directory built by `recipe-rag index build`
  // Vector side, fixed at build time; `serve` refuses an index built with other values.
  // lsa: truncated SVD of the corpus' TF-IDF matrix, trained at build time; openai: an
  // OpenAI-compatible /embeddings (the [llm] section's base_url and key) at build and query time
  std::string embedder = "lsa";
  std::string embedding_model = "text-embedding-3-small";  // openai only
  int embedding_dim = 256;                                 // vector dimension
  int embedder_seed = 42;       // randomised SVD seed; the same seed gives the same vectors
  int hnsw_threshold = 50'000;  // corpora this large or larger get HNSW; smaller get exact search
};

struct AuthOptions {
  // Token references: "env:NAME", "file:PATH" (one token per line) or "sha256:HEX" (a hash
  // from `recipe-rag token new`). RECIPE_RAG_API_TOKENS (comma-separated) adds plain tokens.
  std::vector<std::string> tokens;
};

// The generator (DESIGN.md "Embedded defaults"): the extractive writer by default, or any
// OpenAI-compatible chat-completions service. Empty base_url / organization / project fall back
// to OPENAI_BASE_URL / OPENAI_ORG_ID / OPENAI_PROJECT_ID, then to OpenAI's own defaults.
struct LlmOptions {
  std::string provider = "none";               // none (extractive writer) | openai
  std::string base_url;                        // "" = OPENAI_BASE_URL or https://api.openai.com/v1
  std::string api_key = "env:OPENAI_API_KEY";  // secret reference: env:NAME | file:PATH
  std::string organization;                    // OpenAI-Organization ("" = OPENAI_ORG_ID)
  std::string project;                         // OpenAI-Project ("" = OPENAI_PROJECT_ID)
  std::string model = "gpt-4o-mini";           // primary model for answers and chat
  std::string fallback_model;                  // tried when the primary fails; "" = none
  std::string prompt = "grounded-answer";      // name or name@version under prompts_dir
  std::string prompts_dir = "prompts";
  // /v1/chat/completions: model names clients may ask for → upstream model names. The primary
  // model and "recipe-rag" are always accepted.
  std::vector<std::pair<std::string, std::string>> models;
  int max_tool_rounds = 3;  // search_corpus calls the service runs per chat completion
  int connect_timeout_ms = 5'000;
  int first_byte_timeout_ms = 30'000;
  int chunk_timeout_ms = 30'000;
  int total_timeout_ms = 120'000;
  int max_attempts = 3;  // per call, the first included
  int retry_base_delay_ms = 250;
  int retry_max_delay_ms = 8'000;
  int retry_deadline_ms = 20'000;  // no retry starts later than this after the first attempt
  int breaker_failures = 5;        // consecutive failed attempts that open the breaker
  int breaker_open_ms = 30'000;    // how long an open breaker refuses calls
  int breaker_half_open_probes = 1;
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle (PEM) to trust
  int client_threads = 1;
  int max_idle_connections = 64;  // kept-alive upstream connections
};

struct LogOptions {
  std::string level = "info";     // debug | info | warn | error
  bool access_log = true;         // one JSON line per request
  std::string redact = "redact";  // PII in logged and traced text: redact | hash | off
};

struct TracingOptions {
  // auto: Langfuse when its keys resolve, else an OTLP collector when an endpoint is set,
  // else none (trace ids only) | langfuse | otlp | none
  std::string exporter = "auto";
  std::string langfuse_base_url;  // "" = LANGFUSE_BASE_URL, LANGFUSE_HOST or cloud.langfuse.com
  std::string langfuse_public_key = "env:LANGFUSE_PUBLIC_KEY";  // secret reference
  std::string langfuse_secret_key = "env:LANGFUSE_SECRET_KEY";  // secret reference
  std::string otlp_endpoint;  // traces URL; "" = OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces
  std::string service_name;   // "" = OTEL_SERVICE_NAME or recipe-rag
  int batch_size = 512;       // spans per export request
  int flush_interval_ms = 1000;
  int queue_capacity = 65536;           // spans held in memory; beyond it new spans are dropped
  std::string spill_dir = "var/spill";  // batches the receiver could not take; "" = none
  int spill_max_mb = 256;
  int export_timeout_ms = 10'000;
};

struct MetricsOptions {
  // Per-request metrics (recipe_rag_http_*), EMF request lines and the /v1/stats series. Off
  // only to measure what they cost.
  bool enabled = true;
  bool emf = false;  // CloudWatch Embedded Metric Format lines on stdout, one per request
  std::string emf_namespace = "RecipeRag";
};

struct BudgetOptions {
  std::string prices_dir = "prices";    // dated price tables, prices/*.toml
  std::string ledger = "var/spend.db";  // SQLite spend ledger; "" = no ledger, no budgets
  double daily_usd = 0;                 // the environment's budgets; 0 = no limit
  double monthly_usd = 0;
  double alert_ratio = 0.8;                 // alert once per period at this share of a budget
  std::string on_exhausted = "extractive";  // extractive (degraded answer) | reject (429)
  // Secret reference (env:NAME | file:PATH) to a URL POSTed a Slack-compatible JSON body on
  // an alert; "" = none
  std::string alert_webhook;
  int default_max_output_tokens = 1024;  // set on LLM calls that name no limit
  // token id → {daily_usd, monthly_usd}: limits of one API token of its own
  std::vector<std::tuple<std::string, double, double>> tokens;
};

struct Config {
  ServerOptions server;
  SearchOptions search;
  IndexOptions index;
  AuthOptions auth;
  LlmOptions llm;
  LogOptions log;
  TracingOptions tracing;
  MetricsOptions metrics;
  BudgetOptions budgets;
  std::string env;     // the overlay applied ("" when none)
  std::string sha256;  // checksum of the effective configuration (for /version)
};

// Reads the process environment by name; replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

struct LoadRequest {
  std::optional<std::filesystem::path> defaults_file;  // none: built-in defaults only
  std::string env;                                     // "" = RECIPE_RAG_ENV or none
  EnvLookup lookup = ProcessEnv();
  // Every variable name of the environment, so RECIPE_RAG__* overrides can be found.
  std::vector<std::string> env_names;
};

// Names of all variables in the process environment.
std::vector<std::string> ProcessEnvNames();

// Loads, merges and validates. InvalidArgument with one line per problem.
core::Result<Config> Load(const LoadRequest& request);

// The effective configuration as pretty JSON; secrets as "***".
std::string DumpRedacted(const Config& config, const EnvLookup& lookup);

}  // namespace recipe_rag::config
