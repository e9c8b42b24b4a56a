// Retriever: the seam every search endpoint calls. Today's implementation is lexical
// (LexicalRetriever: query understanding + Xapian BM25); vector search and fusion plug in
// behind the same interface without touching handlers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace recipe_rag::retrieval {

struct Filters {
  std::vector<std::string> tags;  // every one must be on the recipe (case-insensitive)
  std::vector<std::string> exclude_ingredients;  // no ingredient line may contain these words
  std::vector<std::string> diets;                // each must suit the recipe (corpus::KnownDiets)
  std::vector<std::string> include_ingredients;  // each must be in some ingredient line
  std::optional<int> max_total_minutes;  // recipes with a known total time at most this
};

struct Query {
  std::string text;       // as the user typed it (valid UTF-8, non-blank)
  std::size_t top_k = 5;  // 1..50
  Filters filters;
};

struct Hit {
  std::uint32_t recipe = 0;  // index into LoadedIndex::recipes
  double score = 0;          // relevance in [0,1], best first
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
};

}  // namespace recipe_rag::retrieval
