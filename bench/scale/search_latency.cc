// In-process search latency over one index: loads it with the public API (answer cache off,
// the configuration's default search options), runs every query once as a warm-up, then
// `--passes` more times, timing each Retriever::Search with steady_clock on one thread.
// Prints one JSON object on stdout: percentiles in µs, the index load time and the process
// RSS (VmRSS, VmHWM) after loading and after the searches, the queries with no hits and the
// slowest queries by median. bench/scale.sh calls it.
//
//   build/release/bench/search_latency --index DIR --queries dev.jsonl --queries more.txt
//       [--passes 20] [--top-k 10]
//
// A query file ending in .jsonl holds one JSON object per line with a "query" field; any
// other file holds one query per line (blank lines and lines starting with # are skipped).
// Exit status 1 on bad arguments, an unloadable index, no queries or any failed search.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retrieval/index.h"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;
namespace retrieval = recipe_rag::retrieval;

constexpr std::size_t kSlowest = 5;  // queries listed in "slowest_queries"

struct Flags {
  std::string index;
  std::vector<std::string> query_files;
  int passes = 20;
  int top_k = 10;  // the /v1/search default
};

std::optional<int> PositiveInt(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "search_latency: " << arg << " needs a value\n";
      return std::nullopt;
    }
    const std::string_view value = argv[++i];
    if (arg == "--index") {
      flags.index = value;
    } else if (arg == "--queries") {
      flags.query_files.emplace_back(value);
    } else if (arg == "--passes" || arg == "--top-k") {
      const auto n = PositiveInt(value);
      if (!n || (arg == "--top-k" && *n > 50)) {
        std::cerr << "search_latency: bad " << arg << " '" << value << "'\n";
        return std::nullopt;
      }
      (arg == "--passes" ? flags.passes : flags.top_k) = *n;
    } else {
      std::cerr << "search_latency: unknown argument " << arg << "\n";
      return std::nullopt;
    }
  }
  if (flags.index.empty() || flags.query_files.empty()) {
    std::cerr << "usage: search_latency --index DIR --queries FILE [--queries FILE...] "
                 "[--passes N] [--top-k K]\n";
    return std::nullopt;
  }
  return flags;
}

// Appends the queries of `file` to `out`; false (with a message) when it cannot be read.
bool ReadQueries(const std::string& file, std::vector<std::string>& out) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "search_latency: cannot read " << file << "\n";
    return false;
  }
  const bool jsonl = std::string_view(file).ends_with(".jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!jsonl) {
      if (line.front() != '#') out.push_back(line);
      continue;
    }
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("query") ||
        !record["query"].is_string()) {
      std::cerr << "search_latency: " << file << ": a line without a \"query\" string\n";
      return false;
    }
    out.push_back(record["query"].get<std::string>());
  }
  return true;
}

// VmRSS and VmHWM of this process, in MiB (/proc/self/status; 0 when unavailable).
Json Memory() {
  double rss_kib = 0;
  double hwm_kib = 0;
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view key(line.data(), colon);
    if (key == "VmRSS") rss_kib = std::strtod(line.c_str() + colon + 1, nullptr);
    if (key == "VmHWM") hwm_kib = std::strtod(line.c_str() + colon + 1, nullptr);
  }
  return {{"vm_rss_mib", rss_kib / 1024}, {"vm_hwm_mib", hwm_kib / 1024}};
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double p) {
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

int Run(int argc, char** argv) {
  const auto flags = ParseFlags(argc, argv);
  if (!flags) return 1;
  std::vector<std::string> texts;
  for (const auto& file : flags->query_files) {
    if (!ReadQueries(file, texts)) return 1;
  }
  if (texts.empty()) {
    std::cerr << "search_latency: no queries\n";
    return 1;
  }
  std::vector<retrieval::Query> queries(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    queries[i].text = texts[i];
    queries[i].top_k = static_cast<std::size_t>(flags->top_k);
  }

  retrieval::LoadOptions options;
  options.cache_entries = 0;  // time the search itself, not the answer cache
  const auto load_start = Clock::now();
  auto index = retrieval::LoadIndex(flags->index, options);
  const auto load_time = Clock::now() - load_start;
  if (!index.ok()) {
    std::cerr << "search_latency: " << index.error().message << "\n";
    return 1;
  }
  const auto& retriever = *(*index)->retriever;
  const auto after_load = Memory();

  std::size_t errors = 0;
  std::vector<std::string> empty;  // queries with no hits
  for (const auto& q : queries) {  // warm-up: page in the index, fill allocator pools
    if (!retriever.Search(q).ok()) ++errors;
  }
  std::vector<double> samples;
  samples.reserve(queries.size() * static_cast<std::size_t>(flags->passes));
  std::vector<std::vector<double>> per_query(queries.size());
  for (int pass = 0; pass < flags->passes; ++pass) {
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const auto start = Clock::now();
      auto hits = retriever.Search(queries[i]);
      const auto elapsed = Clock::now() - start;
      samples.push_back(Micros(elapsed));
      per_query[i].push_back(samples.back());
      if (!hits.ok()) {
        ++errors;
      } else if (hits->empty() && pass == 0) {
        empty.push_back(queries[i].text);
      }
    }
  }
  const auto after_search = Memory();
  std::sort(samples.begin(), samples.end());
  const double mean =
      std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());

  // The queries with the highest median, slowest first: where the time goes.
  std::vector<std::pair<double, std::size_t>> medians;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    std::sort(per_query[i].begin(), per_query[i].end());
    medians.emplace_back(Percentile(per_query[i], 50), i);
  }
  std::sort(medians.rbegin(), medians.rend());
  auto slowest = Json::array();
  for (std::size_t i = 0; i < std::min(kSlowest, medians.size()); ++i) {
    slowest.push_back({{"query", queries[medians[i].second].text}, {"p50_us", medians[i].first}});
  }

  const auto& manifest = (*index)->manifest;
  const Json report = {
      {"index", flags->index},
      {"records", manifest.records},
      {"vector_engine", manifest.vector_engine},
      {"load_ms", Micros(load_time) / 1000},
      {"queries", queries.size()},
      {"passes", flags->passes},
      {"top_k", flags->top_k},
      {"searches", samples.size()},
      {"errors", errors},
      {"empty_answers", empty},
      {"slowest_queries", slowest},
      {"latency_us",
       {{"p50", Percentile(samples, 50)},
        {"p90", Percentile(samples, 90)},
        {"p99", Percentile(samples, 99)},
        {"max", samples.back()},
        {"mean", mean}}},
      {"memory", {{"after_load", after_load}, {"after_searches", after_search}}},
  };
  // A query file may hold invalid UTF-8; print it replaced rather than throw.
  std::cout << report.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  if (errors > 0) {
    std::cerr << "search_latency: " << errors << " searches failed\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // JSON and allocation errors: report, do not abort
    std::cerr << "search_latency: " << e.what() << "\n";
    return 1;
  }
}
