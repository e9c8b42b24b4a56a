// Retriever: the seam every search endpoint calls. The implementation is HybridRetriever
// (query understanding, Xapian BM25 and FAISS vectors, fused); CachingRetriever wraps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "observability/trace.h"

namespace recipe_rag::retrieval {

struct Filters {
  std::vector<std::string> tags;  // every one must be on the recipe (case-insensitive)
  std::vector<std::string> exclude_ingredients;  // no ingredient line may contain these words
  std::vector<std::string> diets;                // each must suit the recipe (corpus::KnownDiets)
  std::vector<std::string> include_ingredients;  // each must be in some ingredient line
  std::optional<int> max_total_minutes;          // recipes with a known total time at most this
};

struct Query {
  std::string text;       // as the user typed it (valid UTF-8, non-blank)
  std::size_t top_k = 5;  // 1..50
  Filters filters;
  bool explain = false;             // the caller wants Hit::explain shown; does not change the hits
  observability::SpanContext span;  // the retrieval's span: components trace under it
};

// How a hit was found: each component's rank and score, and what the final score is made of.
struct HitExplain {
  int lexical_rank = 0;       // 1-based rank in the BM25 results; 0 when not among them
  double lexical_score = 0;   // BM25 weight
  int vector_rank = 0;        // 1-based rank in the vector results; 0 when not among them
  double vector_score = 0;    // cosine similarity of query and recipe vectors
  double fused = 0;           // fusion score (RRF or weighted) that ordered the candidates
  double coverage = 0;        // weighted share of the query's concepts the recipe contains
  double title_coverage = 0;  // the same share counting only the title
};

struct Hit {
  std::uint32_t recipe = 0;     // index into LoadedIndex::recipes
  double score = 0;             // calibrated relevance in [0,1], best first
  bool low_confidence = false;  // score below the configured minimum
  // Ranked without the vector side, because a remote embedder was unavailable: such answers
  // are not remembered by the answer cache.
  bool vectorless = false;
  HitExplain explain;
};

// What the service understood from a query: words searched, spelling fixed, filters in force.
struct Interpretation {
  std::vector<std::string> concepts;    // the words and phrases searched for
  std::vector<std::string> expansions;  // period words added by the lexicon
  std::vector<std::pair<std::string, std::string>> corrections;  // typed → corrected
  Filters filters;  // the request's filters merged with those the query asked for
};

class Retriever {
 public:
  virtual ~Retriever() = default;
  // The best matches, best first, at most top_k; empty when nothing matches.
  // Safe from many threads. Internal on an index read error.
  virtual core::Result<std::vector<Hit>> Search(const Query& query) const = 0;

  // The answer Search() would give, when it is at hand without searching (a cache hit);
  // nullopt otherwise. Cheap and non-blocking: callers use it on I/O threads.
  virtual std::optional<std::vector<Hit>> Cached(const Query& /*query*/) const {
    return std::nullopt;
  }
  // How Search() reads `query` (for "explain"); cheap, no searching.
  virtual Interpretation Interpret(const Query& query) const = 0;
};

}  // namespace recipe_rag::retrieval
