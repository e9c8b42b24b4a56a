// QueryAnalyzer: turns what a user typed into concepts to search for and conditions to filter
// by. Immutable; safe from many threads.
//
// Concepts: lower-cased words, stopwords dropped, modern words and phrases ("pasta", "mac and
// cheese") expanded with the lexicon's period terms. Words that state a condition below are
// taken out first and are not searched for, except "vegetarian" and "veggie", which also match
// the vegetarian cookbook's tag. Commas, semicolons, slashes and ampersands end list items and
// phrases.
//
// Diets (corpus::KnownDiets names): "vegetarian", "veggie", "meatless" → vegetarian; "vegan",
// "plant based"/"plant-based" → vegan; "eggless" → egg_free; "non-dairy" → dairy_free;
// "coeliac"/"celiac" → gluten_free. So does negating a diet's food, as "without X", "no X" or
// "X free"/"X-free": meat → vegetarian; egg(s) → egg_free; nut(s) → nut_free; dairy, milk,
// lactose → dairy_free; gluten, wheat → gluten_free.
//
// Excluded ingredients: any other food X negated the same way ("without onion", "no garlic",
// "sugar-free"), as typed; the index matches stems. X is one word, not a stopword or a number;
// "any" and "added" before it are skipped ("without any added sugar"). Lists continue with
// "or", "and", "nor" or a comma: "without onion or garlic", "no onion, garlic and leeks", "no
// onion, no garlic" all exclude both; "egg and dairy free" negates both diet foods. Not
// exclusions: "no-bake", "no-knead", "no-churn", "fuss-free" and other ways of cooking (taken
// out, not searched for); "free-range"; "without a doubt" ("a" is a stopword, so "doubt" is
// searched for).
//
// Time limit (max_total_minutes): "quick", "quickly", "fast", "speedy" mean 30 minutes (a
// weeknight dish; "quick bread" is a kind of bread, not a time). A duration — digits or number
// words with minute(s)/min(s)/m or hour(s)/hr(s)/h, also glued ("30min") or hyphenated
// ("30-minute"), "an hour", "half an hour", "1 hour 30 minutes", "an hour and a half" — is a
// limit in minutes, with "under", "in", "within", "below", "less than", "at most", "up to", "no
// more than", "about" … before it and "or less", "max", "tops" … after it taken out too.
// "over", "more than", "at least", "longer than" make it a lower bound: taken out, no limit. A
// range ("30 to 45 minutes") counts by its second number. With several, the smallest wins.
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
  // Foods the query rules out ("without onion or garlic"), as ingredient exclusions; each once,
  // in query order, as typed ("onions").
  std::vector<std::string> exclude_ingredients;
  // A time limit the query states ("quick", "under 30 minutes"), in minutes (> 0).
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
