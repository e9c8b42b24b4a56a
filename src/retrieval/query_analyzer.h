// QueryAnalyzer: turns what a user typed into concepts to search for: lower-cased words,
// stopwords dropped, modern words and phrases ("pasta", "mac and cheese") expanded with the
// lexicon's period terms. Immutable; safe from many threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/lexicon.h"

namespace recipe_rag::retrieval {

struct Concept {
  std::string text;                     // the user's word or phrase, lower-case
  std::vector<std::string> expansions;  // period words or phrases meaning the same
  // Set by XapianIndex::Resolve when the typed word is unknown to the corpus and a close
  // corpus word replaced it ("spagetti" → "spaghetti"); `text` then holds the replacement.
  std::string corrected_from;
  // The word also became a filter ("vegetarian"): every result satisfies it, so it does not
  // count against a result's coverage.
  bool is_filter = false;
};

struct AnalyzedQuery {
  std::vector<Concept> concepts;   // in query order; empty when only stopwords were typed
  std::vector<std::string> diets;  // diets the query asks for ("vegetarian"), as filters
  // Foods the query rules out ("without onion or garlic"), as ingredient exclusions.
  std::vector<std::string> exclude_ingredients;
  // A time limit the query states ("quick", "under 30 minutes"), in minutes.
  std::optional<int> max_total_minutes;
};

// Lower-cased words of `text` (Unicode-aware, the same word rules as the indexer).
std::vector<std::string> SplitWords(std::string_view text);

class QueryAnalyzer {
 public:
  explicit QueryAnalyzer(const Lexicon& lexicon) : lexicon_(lexicon) {}
  AnalyzedQuery Analyze(std::string_view text) const;

 private:
  const Lexicon& lexicon_;
};

}  // namespace recipe_rag::retrieval
