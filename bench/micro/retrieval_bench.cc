// Micro-benchmarks of the search hot path: one query through the Retriever (analysis, Xapian
// BM25, filters; answer cache off) over the bundled-corpus index, cycling through the dev queries.
//
//   build/release/bench/retrieval_bench --index var/index --queries /path/to/dev.jsonl
#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "retrieval/index.h"

namespace {

std::string g_index = "var/index";
std::string g_queries = "../shared/eval/dev.jsonl";

const recipe_rag::retrieval::LoadedIndex& Index() {
  static auto index = [] {
    recipe_rag::retrieval::LoadOptions options;
    options.cache_entries = 0;  // time the search itself, not the answer cache
    auto loaded = recipe_rag::retrieval::LoadIndex(g_index, options);
    if (!loaded.ok()) {
      std::cerr << loaded.error().message << "\n";
      std::exit(1);
    }
    return *loaded;
  }();
  return *index;
}

const std::vector<std::string>& Queries() {
  static auto queries = [] {
    std::vector<std::string> out;
    std::ifstream in(g_queries);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line).at("query").get<std::string>());
    }
    if (out.empty()) out = {"vegetarian pasta recipes", "chocolate cake", "tomato soup"};
    return out;
  }();
  return queries;
}

void BM_Search(benchmark::State& state) {
  const auto& index = Index();
  const auto& queries = Queries();
  std::size_t i = 0;
  for (auto _ : state) {
    recipe_rag::retrieval::Query q;
    q.text = queries[i++ % queries.size()];
    q.top_k = static_cast<std::size_t>(state.range(0));
    auto hits = index.retriever->Search(q);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Search)->Arg(3)->Arg(10)->Arg(50);

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--index" && i + 1 < argc) {
      g_index = argv[++i];
    } else if (arg == "--queries" && i + 1 < argc) {
      g_queries = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
