#include "config/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "core/crypto.h"
#include "core/strings.h"

extern char** environ;  // NOLINT: POSIX

namespace recipe_rag::config {
namespace {

constexpr std::string_view kEnvPrefix = "RECIPE_RAG__";

// Applies one TOML node to the config; returns a problem ("" when fine).
using Setter = std::function<std::string(const toml::node&, Config&)>;

struct Field {
  std::string section;
  std::string key;
  Setter set;
};

template <class Get>
Setter IntSetter(Get get, std::int64_t lo, std::int64_t hi) {
  return [get, lo, hi](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value_exact<std::int64_t>();
    if (!v) return "must be an integer";
    if (*v < lo || *v > hi) {
      return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    }
    using T = std::remove_reference_t<decltype(get(c))>;
    get(c) = static_cast<T>(*v);
    return {};
  };
}

template <class Get>
Setter StringSetter(Get get,
                    const std::function<std::string(const std::string&)>& check = nullptr) {
  return [get, check](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value_exact<std::string>();
    if (!v) return "must be a string";
    if (check) {
      if (auto problem = check(*v); !problem.empty()) return problem;
    }
    get(c) = *v;
    return {};
  };
}

template <class Get>
Setter DoubleSetter(Get get, double lo, double hi) {
  return [get, lo, hi](const toml::node& n, Config& c) -> std::string {
    // TOML integers are accepted where a fraction is expected ("min_score = 1").
    std::optional<double> v = n.value_exact<double>();
    if (!v) {
      if (const auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
    }
    if (!v) return "must be a number";
    if (!(*v >= lo && *v <= hi)) {
      std::ostringstream range;
      range << "must be between " << lo << " and " << hi;
      return range.str();
    }
    get(c) = *v;
    return {};
  };
}

template <class Get>
Setter BoolSetter(Get get) {
  return [get](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value_exact<bool>();
    if (!v) return "must be true or false";
    get(c) = *v;
    return {};
  };
}

template <class Get>
Setter StringListSetter(Get get) {
  return [get](const toml::node& n, Config& c) -> std::string {
    const auto* arr = n.as_array();
    if (arr == nullptr) return "must be an array of strings";
    std::vector<std::string> out;
    for (const auto& item : *arr) {
      const auto v = item.value_exact<std::string>();
      if (!v) return "must be an array of strings";
      out.push_back(*v);
    }
    get(c) = std::move(out);
    return {};
  };
}

std::string CheckListen(const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be HOST:PORT";
  const auto port = v.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return "must be HOST:PORT with a port from 0 to 65535";
  }
  return {};
}

std::string CheckLogLevel(const std::string& v) {
  if (v == "debug" || v == "info" || v == "warn" || v == "error") return {};
  return "must be one of debug, info, warn, error";
}

std::string CheckFusion(const std::string& v) {
  return v == "rrf" || v == "weighted" ? "" : "must be rrf or weighted";
}

std::string CheckComponents(const std::string& v) {
  return v == "hybrid" || v == "lexical" || v == "vector" ? ""
                                                          : "must be hybrid, lexical or vector";
}

std::string CheckEmbedder(const std::string& v) {
  return v == "lsa" || v == "openai" ? "" : "must be lsa or openai";
}

std::string CheckProvider(const std::string& v) {
  return v == "none" || v == "openai" ? "" : "must be none or openai";
}

std::string CheckSecretRef(const std::string& v) {
  if (v.empty() || v.rfind("env:", 0) == 0 || v.rfind("file:", 0) == 0) return {};
  return "must be a reference, env:NAME or file:PATH (never the key itself)";
}

// [llm] models = { "alias" = "upstream-model", ... }
Setter ModelMapSetter() {
  return [](const toml::node& n, Config& c) -> std::string {
    const auto* table = n.as_table();
    if (table == nullptr) return "must be a table of model name = upstream model name";
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, value] : *table) {
      const auto v = value.value_exact<std::string>();
      if (!v || v->empty()) return "must map each name to a non-empty model name";
      out.emplace_back(std::string(key.str()), *v);
    }
    c.llm.models = std::move(out);
    return {};
  };
}

std::string CheckNonEmpty(const std::string& v) { return v.empty() ? "must not be empty" : ""; }

std::string CheckRedact(const std::string& v) {
  return v == "redact" || v == "hash" || v == "off" ? "" : "must be redact, hash or off";
}

std::string CheckExporter(const std::string& v) {
  return v == "auto" || v == "langfuse" || v == "otlp" || v == "none"
             ? ""
             : "must be auto, langfuse, otlp or none";
}

std::string CheckOnExhausted(const std::string& v) {
  return v == "extractive" || v == "reject" ? "" : "must be extractive or reject";
}

// [budgets.tokens] "tok_1a2b3c4d" = { daily_usd = 1.0, monthly_usd = 20.0 }
Setter TokenBudgetsSetter() {
  return [](const toml::node& n, Config& c) -> std::string {
    const auto* table = n.as_table();
    if (table == nullptr) return "must be a table of token id = { daily_usd, monthly_usd }";
    std::vector<std::tuple<std::string, double, double>> out;
    for (const auto& [key, value] : *table) {
      const auto* limits = value.as_table();
      if (limits == nullptr) return "each token must map to { daily_usd, monthly_usd }";
      double daily = 0;
      double monthly = 0;
      for (const auto& [name, amount] : *limits) {
        std::optional<double> v = amount.value<double>();
        if (!v || !(*v >= 0) || std::isinf(*v)) return "limits must be numbers of USD, 0 or more";
        if (name.str() == "daily_usd") {
          daily = *v;
        } else if (name.str() == "monthly_usd") {
          monthly = *v;
        } else {
          return "unknown limit " + std::string(name.str()) + " (daily_usd, monthly_usd)";
        }
      }
      out.emplace_back(std::string(key.str()), daily, monthly);
    }
    c.budgets.tokens = std::move(out);
    return {};
  };
}

const std::vector<Field>& Fields() {
  constexpr std::int64_t kMaxMs = 3'600'000;
  static const std::vector<Field> fields = {
      {"server", "listen",
       StringSetter(
           [](Config & c) -> auto& { return c.server.listen; }, CheckListen)},
      {"server", "io_threads",
       IntSetter(
           [](Config & c) -> auto& { return c.server.io_threads; }, 0, 256)},
      {"server", "body_limit_bytes",
       IntSetter(
           [](Config & c) -> auto& { return c.server.body_limit_bytes; }, 1024, 1 << 30)},
      {"server", "header_limit_bytes",
       IntSetter(
           [](Config & c) -> auto& { return c.server.header_limit_bytes; }, 1024, 1 << 20)},
      {"server", "header_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.server.header_timeout_ms; }, 1, kMaxMs)},
      {"server", "idle_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.server.idle_timeout_ms; }, 1, kMaxMs)},
      {"server", "request_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.server.request_timeout_ms; }, 1, kMaxMs)},
      {"server", "drain_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.server.drain_timeout_ms; }, 0, kMaxMs)},
      {"server", "max_connections",
       IntSetter(
           [](Config & c) -> auto& { return c.server.max_connections; }, 1, 1'000'000)},
      {"search", "workers",
       IntSetter(
           [](Config & c) -> auto& { return c.search.workers; }, 0, 256)},
      {"search", "queue_capacity",
       IntSetter(
           [](Config & c) -> auto& { return c.search.queue_capacity; }, 1, 1'000'000)},
      {"search", "retry_after_s",
       IntSetter(
           [](Config & c) -> auto& { return c.search.retry_after_s; }, 1, 3600)},
      {"search", "max_query_chars",
       IntSetter(
           [](Config & c) -> auto& { return c.search.max_query_chars; }, 1, 100'000)},
      {"search", "cache_entries",
       IntSetter(
           [](Config & c) -> auto& { return c.search.cache_entries; }, 0, 10'000'000)},
      {"search", "fusion",
       StringSetter(
           [](Config & c) -> auto& { return c.search.fusion; }, CheckFusion)},
      {"search", "rrf_k",
       IntSetter(
           [](Config & c) -> auto& { return c.search.rrf_k; }, 1, 10'000)},
      {"search", "vector_weight",
       DoubleSetter(
           [](Config & c) -> auto& { return c.search.vector_weight; }, 0.0, 1.0)},
      {"search", "candidates",
       IntSetter(
           [](Config & c) -> auto& { return c.search.candidates; }, 1, 10'000)},
      {"search", "min_score",
       DoubleSetter(
           [](Config & c) -> auto& { return c.search.min_score; }, 0.0, 1.0)},
      {"search", "components",
       StringSetter(
           [](Config & c) -> auto& { return c.search.components; }, CheckComponents)},
      {"search", "lexicon", BoolSetter([](Config & c) -> auto& { return c.search.lexicon; })},
      {"search", "spelling", BoolSetter([](Config & c) -> auto& { return c.search.spelling; })},
      {"search", "query_intents",
       BoolSetter([](Config & c) -> auto& { return c.search.query_intents; })},
      {"index", "path",
       StringSetter(
           [](Config & c) -> auto& { return c.index.path; }, CheckNonEmpty)},
      {"index", "embedder",
       StringSetter(
           [](Config & c) -> auto& { return c.index.embedder; }, CheckEmbedder)},
      {"index", "embedding_model",
       StringSetter(
           [](Config & c) -> auto& { return c.index.embedding_model; }, CheckNonEmpty)},
      {"index", "embedding_dim",
       IntSetter(
           [](Config & c) -> auto& { return c.index.embedding_dim; }, 8, 4096)},
      {"index", "embedder_seed",
       IntSetter(
           [](Config & c) -> auto& { return c.index.embedder_seed; }, 0, 1'000'000'000)},
      {"index", "hnsw_threshold",
       IntSetter(
           [](Config & c) -> auto& { return c.index.hnsw_threshold; }, 0, 1'000'000'000)},
      {"auth", "tokens", StringListSetter([](Config & c) -> auto& { return c.auth.tokens; })},
      {"llm", "provider",
       StringSetter(
           [](Config & c) -> auto& { return c.llm.provider; }, CheckProvider)},
      {"llm", "base_url", StringSetter([](Config & c) -> auto& { return c.llm.base_url; })},
      {"llm", "api_key",
       StringSetter(
           [](Config & c) -> auto& { return c.llm.api_key; }, CheckSecretRef)},
      {"llm", "organization", StringSetter([](Config & c) -> auto& { return c.llm.organization; })},
      {"llm", "project", StringSetter([](Config & c) -> auto& { return c.llm.project; })},
      {"llm", "model",
       StringSetter(
           [](Config & c) -> auto& { return c.llm.model; }, CheckNonEmpty)},
      {"llm", "fallback_model",
       StringSetter([](Config & c) -> auto& { return c.llm.fallback_model; })},
      {"llm", "prompt",
       StringSetter(
           [](Config & c) -> auto& { return c.llm.prompt; }, CheckNonEmpty)},
      {"llm", "prompts_dir",
       StringSetter(
           [](Config & c) -> auto& { return c.llm.prompts_dir; }, CheckNonEmpty)},
      {"llm", "models", ModelMapSetter()},
      {"llm", "max_tool_rounds",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.max_tool_rounds; }, 0, 10)},
      {"llm", "connect_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.connect_timeout_ms; }, 1, kMaxMs)},
      {"llm", "first_byte_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.first_byte_timeout_ms; }, 1, kMaxMs)},
      {"llm", "chunk_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.chunk_timeout_ms; }, 1, kMaxMs)},
      {"llm", "total_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.total_timeout_ms; }, 1, kMaxMs)},
      {"llm", "max_attempts",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.max_attempts; }, 1, 10)},
      {"llm", "retry_base_delay_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.retry_base_delay_ms; }, 0, kMaxMs)},
      {"llm", "retry_max_delay_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.retry_max_delay_ms; }, 0, kMaxMs)},
      {"llm", "retry_deadline_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.retry_deadline_ms; }, 0, kMaxMs)},
      {"llm", "breaker_failures",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.breaker_failures; }, 1, 1000)},
      {"llm", "breaker_open_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.breaker_open_ms; }, 1, kMaxMs)},
      {"llm", "breaker_half_open_probes",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.breaker_half_open_probes; }, 1, 100)},
      {"llm", "verify_tls", BoolSetter([](Config & c) -> auto& { return c.llm.verify_tls; })},
      {"llm", "ca_file", StringSetter([](Config & c) -> auto& { return c.llm.ca_file; })},
      {"llm", "client_threads",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.client_threads; }, 1, 64)},
      {"llm", "max_idle_connections",
       IntSetter(
           [](Config & c) -> auto& { return c.llm.max_idle_connections; }, 0, 100000)},
      {"log", "level",
       StringSetter(
           [](Config & c) -> auto& { return c.log.level; }, CheckLogLevel)},
      {"log", "access_log", BoolSetter([](Config & c) -> auto& { return c.log.access_log; })},
      {"log", "redact",
       StringSetter(
           [](Config & c) -> auto& { return c.log.redact; }, CheckRedact)},
      {"tracing", "exporter",
       StringSetter(
           [](Config & c) -> auto& { return c.tracing.exporter; }, CheckExporter)},
      {"tracing", "langfuse_base_url",
       StringSetter([](Config & c) -> auto& { return c.tracing.langfuse_base_url; })},
      {"tracing", "langfuse_public_key",
       StringSetter(
           [](Config & c) -> auto& { return c.tracing.langfuse_public_key; }, CheckSecretRef)},
      {"tracing", "langfuse_secret_key",
       StringSetter(
           [](Config & c) -> auto& { return c.tracing.langfuse_secret_key; }, CheckSecretRef)},
      {"tracing", "otlp_endpoint",
       StringSetter([](Config & c) -> auto& { return c.tracing.otlp_endpoint; })},
      {"tracing", "service_name",
       StringSetter([](Config & c) -> auto& { return c.tracing.service_name; })},
      {"tracing", "batch_size",
       IntSetter(
           [](Config & c) -> auto& { return c.tracing.batch_size; }, 1, 100'000)},
      {"tracing", "flush_interval_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.tracing.flush_interval_ms; }, 1, kMaxMs)},
      {"tracing", "queue_capacity",
       IntSetter(
           [](Config & c) -> auto& { return c.tracing.queue_capacity; }, 1, 100'000'000)},
      {"tracing", "spill_dir",
       StringSetter([](Config & c) -> auto& { return c.tracing.spill_dir; })},
      {"tracing", "spill_max_mb",
       IntSetter(
           [](Config & c) -> auto& { return c.tracing.spill_max_mb; }, 0, 1'000'000)},
      {"tracing", "export_timeout_ms",
       IntSetter(
           [](Config & c) -> auto& { return c.tracing.export_timeout_ms; }, 1, kMaxMs)},
      {"metrics", "enabled", BoolSetter([](Config & c) -> auto& { return c.metrics.enabled; })},
      {"metrics", "emf", BoolSetter([](Config & c) -> auto& { return c.metrics.emf; })},
      {"metrics", "emf_namespace",
       StringSetter(
           [](Config & c) -> auto& { return c.metrics.emf_namespace; }, CheckNonEmpty)},
      {"budgets", "prices_dir",
       StringSetter(
           [](Config & c) -> auto& { return c.budgets.prices_dir; }, CheckNonEmpty)},
      {"budgets", "ledger", StringSetter([](Config & c) -> auto& { return c.budgets.ledger; })},
      {"budgets", "daily_usd",
       DoubleSetter(
           [](Config & c) -> auto& { return c.budgets.daily_usd; }, 0.0, 1e12)},
      {"budgets", "monthly_usd",
       DoubleSetter(
           [](Config & c) -> auto& { return c.budgets.monthly_usd; }, 0.0, 1e12)},
      {"budgets", "alert_ratio",
       DoubleSetter(
           [](Config & c) -> auto& { return c.budgets.alert_ratio; }, 0.01, 1.0)},
      {"budgets", "on_exhausted",
       StringSetter(
           [](Config & c) -> auto& { return c.budgets.on_exhausted; }, CheckOnExhausted)},
      {"budgets", "alert_webhook",
       StringSetter(
           [](Config & c) -> auto& { return c.budgets.alert_webhook; }, CheckSecretRef)},
      {"budgets", "default_max_output_tokens",
       IntSetter(
           [](Config & c) -> auto& { return c.budgets.default_max_output_tokens; }, 1, 1'000'000)},
      {"budgets", "tokens", TokenBudgetsSetter()},
  };
  return fields;
}

const Field* FindField(std::string_view section, std::string_view key) {
  for (const auto& f : Fields()) {
    if (f.section == section && f.key == key) return &f;
  }
  return nullptr;
}

bool KnownSection(std::string_view section) {
  for (const auto& f : Fields()) {
    if (f.section == section) return true;
  }
  return false;
}

// Applies every key of a parsed TOML document; problems are appended as "path: problem".
void Apply(const toml::table& doc, std::string_view origin, Config& config,
           std::vector<std::string>& problems) {
  for (const auto& [section_key, section_node] : doc) {
    const std::string section(section_key.str());
    const auto* table = section_node.as_table();
    if (table == nullptr || !KnownSection(section)) {
      problems.push_back(std::string(origin) + ": " + section + ": unknown section");
      continue;
    }
    for (const auto& [key, node] : *table) {
      const std::string path = section + "." + std::string(key.str());
      const Field* field = FindField(section, key.str());
      if (field == nullptr) {
        problems.push_back(std::string(origin) + ": " + path + ": unknown key");
        continue;
      }
      if (auto problem = field->set(node, config); !problem.empty()) {
        problems.push_back(
            std::string(origin).append(": ").append(path).append(": ").append(problem));
      }
    }
  }
}

core::Status ApplyFile(const std::filesystem::path& file, Config& config,
                       std::vector<std::string>& problems) {
  std::error_code ec;
  std::ifstream in(file, std::ios::binary);
  if (!in || !std::filesystem::is_regular_file(file, ec)) {
    return core::Error::NotFound("config file not found: " + file.filename().string());
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    Apply(toml::parse(text.str(), file.string()), file.filename().string(), config, problems);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    problems.push_back(file.filename().string() + ":" + std::to_string(where.line) + ":" +
                       std::to_string(where.column) + ": " + std::string(e.description()));
  }
  return core::Status::Ok();
}

// RECIPE_RAG__SERVER__IO_THREADS=4 → [server] io_threads = 4. The value is read as one TOML
// value ("4", "true", "[\"a\"]"); anything else, including text that would add more keys, is
// taken as a string.
void ApplyEnvOverride(const std::string& name, const std::string& value, Config& config,
                      std::vector<std::string>& problems) {
  const std::string origin = "environment " + name;
  const std::string rest = core::ToLowerAscii(std::string_view(name).substr(kEnvPrefix.size()));
  const auto sep = rest.find("__");
  if (sep == std::string::npos) {
    problems.push_back(origin + ": expected RECIPE_RAG__SECTION__KEY");
    return;
  }
  const std::string path = rest.substr(0, sep) + "." + rest.substr(sep + 2);
  const Field* field = FindField(rest.substr(0, sep), rest.substr(sep + 2));
  if (field == nullptr) {
    problems.push_back(origin + ": " + path + ": unknown key");
    return;
  }
  std::string problem;
  try {
    const auto doc = toml::parse("v = " + value);
    if (doc.size() == 1 && doc.contains("v")) {
      problem = field->set(*doc.get("v"), config);
    } else {
      problem = field->set(toml::value<std::string>(value), config);
    }
  } catch (const toml::parse_error&) {
    problem = field->set(toml::value<std::string>(value), config);
  }
  if (!problem.empty()) problems.push_back(origin + ": " + path + ": " + problem);
}

// Every setting, in Fields() order; token references name where a secret lives, not the secret.
nlohmann::ordered_json Settings(const Config& c) {
  nlohmann::ordered_json j;
  j["server"] = {{"listen", c.server.listen},
                 {"io_threads", c.server.io_threads},
                 {"body_limit_bytes", c.server.body_limit_bytes},
                 {"header_limit_bytes", c.server.header_limit_bytes},
                 {"header_timeout_ms", c.server.header_timeout_ms},
                 {"idle_timeout_ms", c.server.idle_timeout_ms},
                 {"request_timeout_ms", c.server.request_timeout_ms},
                 {"drain_timeout_ms", c.server.drain_timeout_ms},
                 {"max_connections", c.server.max_connections}};
  j["search"] = {{"workers", c.search.workers},
                 {"queue_capacity", c.search.queue_capacity},
                 {"retry_after_s", c.search.retry_after_s},
                 {"max_query_chars", c.search.max_query_chars},
                 {"cache_entries", c.search.cache_entries},
                 {"fusion", c.search.fusion},
                 {"rrf_k", c.search.rrf_k},
                 {"vector_weight", c.search.vector_weight},
                 {"candidates", c.search.candidates},
                 {"min_score", c.search.min_score},
                 {"components", c.search.components},
                 {"lexicon", c.search.lexicon},
                 {"spelling", c.search.spelling},
                 {"query_intents", c.search.query_intents}};
  j["index"] = {{"path", c.index.path},
                {"embedder", c.index.embedder},
                {"embedding_model", c.index.embedding_model},
                {"embedding_dim", c.index.embedding_dim},
                {"embedder_seed", c.index.embedder_seed},
                {"hnsw_threshold", c.index.hnsw_threshold}};
  j["auth"] = {{"tokens", c.auth.tokens}};
  nlohmann::ordered_json token_budgets = nlohmann::ordered_json::object();
  for (const auto& [id, daily, monthly] : c.budgets.tokens) {
    token_budgets[id] = {{"daily_usd", daily}, {"monthly_usd", monthly}};
  }
  nlohmann::ordered_json models = nlohmann::ordered_json::object();
  for (const auto& [alias, model] : c.llm.models) models[alias] = model;
  const auto& l = c.llm;
  j["llm"] = {{"provider", l.provider},
              {"base_url", l.base_url},
              {"api_key", l.api_key},
              {"organization", l.organization},
              {"project", l.project},
              {"model", l.model},
              {"fallback_model", l.fallback_model},
              {"prompt", l.prompt},
              {"prompts_dir", l.prompts_dir},
              {"models", models},
              {"max_tool_rounds", l.max_tool_rounds},
              {"connect_timeout_ms", l.connect_timeout_ms},
              {"first_byte_timeout_ms", l.first_byte_timeout_ms},
              {"chunk_timeout_ms", l.chunk_timeout_ms},
              {"total_timeout_ms", l.total_timeout_ms},
              {"max_attempts", l.max_attempts},
              {"retry_base_delay_ms", l.retry_base_delay_ms},
              {"retry_max_delay_ms", l.retry_max_delay_ms},
              {"retry_deadline_ms", l.retry_deadline_ms},
              {"breaker_failures", l.breaker_failures},
              {"breaker_open_ms", l.breaker_open_ms},
              {"breaker_half_open_probes", l.breaker_half_open_probes},
              {"verify_tls", l.verify_tls},
              {"ca_file", l.ca_file},
              {"client_threads", l.client_threads},
              {"max_idle_connections", l.max_idle_connections}};
  j["log"] = {{"level", c.log.level}, {"access_log", c.log.access_log}, {"redact", c.log.redact}};
  const auto& t = c.tracing;
  j["tracing"] = {{"exporter", t.exporter},
                  {"langfuse_base_url", t.langfuse_base_url},
                  {"langfuse_public_key", t.langfuse_public_key},
                  {"langfuse_secret_key", t.langfuse_secret_key},
                  {"otlp_endpoint", t.otlp_endpoint},
                  {"service_name", t.service_name},
                  {"batch_size", t.batch_size},
                  {"flush_interval_ms", t.flush_interval_ms},
                  {"queue_capacity", t.queue_capacity},
                  {"spill_dir", t.spill_dir},
                  {"spill_max_mb", t.spill_max_mb},
                  {"export_timeout_ms", t.export_timeout_ms}};
  j["metrics"] = {{"enabled", c.metrics.enabled},
                  {"emf", c.metrics.emf},
                  {"emf_namespace", c.metrics.emf_namespace}};
  const auto& b = c.budgets;
  j["budgets"] = {{"prices_dir", b.prices_dir},
                  {"ledger", b.ledger},
                  {"daily_usd", b.daily_usd},
                  {"monthly_usd", b.monthly_usd},
                  {"alert_ratio", b.alert_ratio},
                  {"on_exhausted", b.on_exhausted},
                  {"alert_webhook", b.alert_webhook},
                  {"default_max_output_tokens", b.default_max_output_tokens},
                  {"tokens", token_budgets}};
  return j;
}

std::string Checksum(const Config& c) {
  auto j = Settings(c);
  j["env"] = c.env;
  return core::Sha256Hex(j.dump());
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT: read-only use at start-up
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::vector<std::string> ProcessEnvNames() {
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    names.emplace_back(entry.substr(0, entry.find('=')));
  }
  return names;
}

core::Result<Config> Load(const LoadRequest& request) {
  Config config;
  std::vector<std::string> problems;
  if (request.defaults_file) {
    if (auto st = ApplyFile(*request.defaults_file, config, problems); !st.ok()) {
      return core::Error::InvalidArgument(st.error().message);
    }
  }
  std::string env = request.env;
  if (env.empty()) env = request.lookup("RECIPE_RAG_ENV").value_or("");
  if (!env.empty()) {
    if (env.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
      return core::Error::InvalidArgument(
          "environment name must be lower-case letters, digits, - or _");
    }
    const auto dir = request.defaults_file ? request.defaults_file->parent_path()
                                           : std::filesystem::path("config");
    if (auto st = ApplyFile(dir / (env + ".toml"), config, problems); !st.ok()) {
      return core::Error::InvalidArgument("environment '" + env + "': " + st.error().message);
    }
    config.env = env;
  }
  for (const auto& name : request.env_names) {
    if (name.rfind(kEnvPrefix, 0) != 0) continue;
    if (auto value = request.lookup(name)) ApplyEnvOverride(name, *value, config, problems);
  }
  if (!problems.empty()) {
    std::string message = "invalid configuration:";
    for (const auto& p : problems) message += "\n  " + p;
    return core::Error::InvalidArgument(message);
  }
  config.sha256 = Checksum(config);
  return config;
}

std::string DumpRedacted(const Config& c, const EnvLookup& lookup) {
  nlohmann::ordered_json j;
  j["env"] = c.env.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.env);
  const auto settings = Settings(c);
  for (const auto& [section, values] : settings.items()) j[section] = values;
  if (auto plain = lookup("RECIPE_RAG_API_TOKENS")) {
    j["auth"]["RECIPE_RAG_API_TOKENS"] =
        "*** (" + std::to_string(core::SplitTrimmed(*plain, ',').size()) + " tokens)";
  }
  j["sha256"] = c.sha256;
  return j.dump(2);
}

}  // namespace recipe_rag::config
