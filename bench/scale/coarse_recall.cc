// Recall of the exact vector search's coarse-to-fine scan: for an index directory, compares
// VectorIndex::Search (int8 first pass, float re-scoring) with a brute-force float scan of the
// same vectors, over queries made from stored vectors (each the sum of one recipe's vector and
// 0.7 × another's, so no query is a stored vector). Prints one JSON object: recall@k averaged
// over the queries, and the worst query's.
//
//   build/release/bench/coarse_recall --index DIR [--queries 200] [--k 100]
#include <faiss/IndexFlat.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/vector_index.h"

namespace {

namespace retrieval = recipe_rag::retrieval;

int Flag(int argc, char** argv, std::string_view name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] != name) continue;
    int value = 0;
    const std::string_view text = argv[i + 1];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size() && value > 0) return value;
    std::cerr << "coarse_recall: bad " << name << " '" << text << "'\n";
    std::exit(1);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--index") dir = argv[i + 1];
  }
  if (dir.empty()) {
    std::cerr << "usage: coarse_recall --index DIR [--queries 200] [--k 100]\n";
    return 1;
  }
  const int queries = Flag(argc, argv, "--queries", 200);
  const auto k = static_cast<std::size_t>(Flag(argc, argv, "--k", 100));
  const std::string file = dir + "/vectors.faiss";
  auto index = retrieval::VectorIndex::Open(file);
  if (!index.ok()) {
    std::cerr << "coarse_recall: " << index.error().message << "\n";
    return 1;
  }
  std::unique_ptr<faiss::Index> raw(faiss::read_index(file.c_str()));
  const auto* flat = dynamic_cast<const faiss::IndexFlat*>(raw.get());
  if (flat == nullptr) {
    std::cerr << "coarse_recall: not an exact (flat) index\n";
    return 1;
  }
  const auto n = static_cast<std::size_t>(raw->ntotal);
  const auto d = static_cast<std::size_t>(raw->d);
  const float* x = flat->get_xb();
  std::mt19937 rng(3);
  double sum = 0, worst = 1;
  std::vector<float> query(d);
  std::vector<std::pair<float, std::uint32_t>> exact(n);
  for (int q = 0; q < queries; ++q) {
    const std::size_t a = rng() % n, b = rng() % n;
    for (std::size_t j = 0; j < d; ++j) query[j] = x[a * d + j] + 0.7f * x[b * d + j];
    for (std::size_t i = 0; i < n; ++i) {
      float s = 0;
      for (std::size_t j = 0; j < d; ++j) s += query[j] * x[i * d + j];
      exact[i] = {s, static_cast<std::uint32_t>(i)};
    }
    const auto top = std::min(k, n);
    std::partial_sort(exact.begin(), exact.begin() + static_cast<std::ptrdiff_t>(top), exact.end(),
                      [](const auto& l, const auto& r) { return l.first > r.first; });
    auto hits = (*index)->Search(query.data(), top, nullptr);
    if (!hits.ok()) {
      std::cerr << "coarse_recall: " << hits.error().message << "\n";
      return 1;
    }
    std::vector<std::uint32_t> want, got;
    for (std::size_t i = 0; i < top; ++i) want.push_back(exact[i].second);
    for (const auto& h : *hits) got.push_back(h.doc);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    std::vector<std::uint32_t> both;
    std::set_intersection(want.begin(), want.end(), got.begin(), got.end(),
                          std::back_inserter(both));
    const double recall = static_cast<double>(both.size()) / static_cast<double>(top);
    sum += recall;
    worst = std::min(worst, recall);
  }
  nlohmann::ordered_json out = {
      {"index", dir},         {"vectors", n}, {"coarse_pass", n >= 8192},
      {"queries", queries},   {"k", k},       {"recall_mean", sum / queries},
      {"recall_worst", worst}};
  std::cout << out.dump(2) << "\n";
  return 0;
}
