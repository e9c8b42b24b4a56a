// HybridRetriever: the Retriever the service runs. One search:
//   1. understand the query (query_analyzer.h): concepts, lexicon expansions, and intents
//      that become filters ("vegetarian", "without eggs", "under 30 minutes");
//   2. fix unknown words from the corpus' spelling data;
//   3. turn the filters into the set of recipes allowed (diets, tags, ingredients, time);
//   4. search BM25 (Xapian) and vectors (embedder + FAISS) among them, `candidates` each;
//   5. fuse the two rankings: reciprocal-rank fusion (Σ 1/(k + rank)) or a weighted sum of
//      normalised scores;
//   6. calibrate the best candidates: score = coverage × (0.6 + 0.4 × fused / best possible
//      fused), where coverage is the rarity-weighted share of the query's concepts the
//      recipe contains. An unknown word ("sushi") weighs most, so a recipe matching only the
//      rest ("rolls") scores low whatever its rank. Results are ordered by this score, so a
//      recipe with every concept comes before one missing some; scores are comparable
//      across queries, and below min_score a hit is flagged low_confidence.
// Filters are hard: no hit ever breaks one, even when fewer than top_k remain.
// Immutable after construction; safe from many threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "corpus/recipe.h"
#include "retrieval/embedder.h"
#include "retrieval/lexicon.h"
#include "retrieval/query_analyzer.h"
#include "retrieval/retriever.h"
#include "retrieval/vector_index.h"
#include "retrieval/xapian_index.h"

namespace recipe_rag::retrieval {

struct HybridOptions {
  enum class Fusion { kRrf, kWeighted };
  enum class Components { kHybrid, kLexical, kVector };
  Fusion fusion = Fusion::kRrf;
  int rrf_k = 60;
  double vector_weight = 0.3;  // share of the vector ranking in either fusion
  std::size_t candidates = 100;
  double min_score = 0.5;
  // For ablations; the service runs everything.
  Components components = Components::kHybrid;
  bool lexicon = true;        // expand modern words with period ones
  bool spelling = true;       // replace unknown words by the corpus' closest spelling
  bool query_intents = true;  // turn "vegetarian", "without eggs", "quick" into filters
};

class HybridRetriever final : public Retriever {
 public:
  // `recipes` gives each document's total time (for time limits); only that is kept.
  HybridRetriever(const std::vector<corpus::Recipe>& recipes, Lexicon lexicon,
                  std::unique_ptr<XapianIndex> lexical, std::unique_ptr<Embedder> embedder,
                  std::unique_ptr<VectorIndex> vectors, HybridOptions options);

  core::Result<std::vector<Hit>> Search(const Query& query) const override;
  Interpretation Interpret(const Query& query) const override;

 private:
  struct Prepared {
    AnalyzedQuery analyzed;
    Filters filters;
  };
  Prepared Prepare(const Query& query) const;
  core::Result<std::optional<DocSet>> Allowed(const Filters& filters) const;

  std::vector<int> minutes_;  // per document; 0 when unknown
  const Lexicon lexicon_;
  const Lexicon no_lexicon_;
  const QueryAnalyzer analyzer_;
  const std::unique_ptr<XapianIndex> lexical_;
  const std::unique_ptr<Embedder> embedder_;
  const std::unique_ptr<VectorIndex> vectors_;
  const HybridOptions options_;
};

// The text embedded for a query: its concepts and their expansions.
std::string EmbeddingQueryText(const AnalyzedQuery& query);

}  // namespace recipe_rag::retrieval
