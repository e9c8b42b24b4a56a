// The subcommands of `recipe-rag`. Each returns the process exit code:
// 0 success, 1 failure (the message is on stderr), 2 usage error.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "retrieval/index.h"

namespace recipe_rag::app {

struct ConfigFlags {
  std::string config_file;  // "" = config/recipe-rag.toml when it exists, else built-in defaults
  std::string env;          // "" = RECIPE_RAG_ENV
};

struct ServeFlags {
  ConfigFlags config;
  std::string listen;  // overrides server.listen
  std::string index;   // overrides index.path
};
int Serve(const ServeFlags& flags);

struct SearchFlags {
  ConfigFlags config;
  std::string query;
  int top_k = 5;
  bool json = false;
  bool explain = false;  // show each component's rank and score per result
  std::string index;
};
int Search(const SearchFlags& flags);

struct IndexBuildFlags {
  ConfigFlags config;  // index.embedder, embedding_dim, embedder_seed, hnsw_threshold
  std::string corpus;
  std::string out;
  std::string lexicon = "data/lexicon/lexicon.tsv";
  bool require_instructions = false;
};
int IndexBuild(const IndexBuildFlags& flags);
int IndexInfo(const std::string& dir, bool verify);

// How the configuration asks for an index to be loaded and searched (cache_entries from
// search.cache_entries unless `cache` is false).
retrieval::LoadOptions IndexLoadOptions(const config::Config& config, bool cache);

int TokenNew();
int ConfigCheck(const ConfigFlags& flags);

struct EvalFlags {
  ConfigFlags config;
  std::string set;       // query-set JSONL
  std::string url;       // "" = search in-process; else the server's base URL
  std::string token;     // bearer token for --url
  std::string index;     // overrides index.path (in --url mode: the recipes for violations)
  int top_k = 10;        // 1..10
  std::string out;       // report prefix; "" = var/eval/<set>-<UTC time>
  std::string baseline;  // "" = no gate
  double max_drop = 0.02;
};
// Also exit code 3: the gate failed (eval_command.cc).
int Eval(const EvalFlags& flags);

// The configuration the flags select (shared by the subcommands).
core::Result<config::Config> LoadConfig(const ConfigFlags& flags);

}  // namespace recipe_rag::app
