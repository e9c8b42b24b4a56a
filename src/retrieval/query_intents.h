// Query intents: the words of a query that state conditions rather than name what to search
// for — diets, excluded foods and time limits. Private to retrieval/; QueryAnalyzer (see
// query_analyzer.h for the rules) is the public face. Pure functions; safe from many threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/query_analyzer.h"

namespace recipe_rag::retrieval {

// Stands where the query had a comma, semicolon, slash or ampersand: it ends a list item, and
// neither phrases nor intents reach across it. SplitWords() never yields it.
inline constexpr std::string_view kBreak = ",";

// English function words and words that say "recipe" without saying which one.
bool IsStopword(std::string_view w);

// SplitWords() of `text`, with kBreak between the pieces separated by , ; / or &.
std::vector<std::string> QueryWords(std::string_view text);

// `words` without the time words ("quick", "under 30 minutes", "an hour or less"); `limit`
// becomes the smallest limit stated, if smaller than its value.
std::vector<std::string> TakeTimeLimits(const std::vector<std::string>& words,
                                        std::optional<int>& limit);

// `words` without diet phrases and negated foods, which go into out.diets and
// out.exclude_ingredients. "vegetarian" and "veggie" stay in the words as well.
std::vector<std::string> TakeDietsAndExclusions(const std::vector<std::string>& words,
                                                AnalyzedQuery& out);

// `food` and the foods a cook avoiding it avoids too: "onion" → onion, shallot, eschalot,
// leek, chive, scallion; also garlic, pork, beef, shellfish and alcohol (query_intents.cc).
std::vector<std::string> WithFoodFamily(std::string_view food);
// Every head and member of the food families, each once: the exclusions worth keeping ready.
std::vector<std::string> FoodFamilyWords();

// True for a diet word that stays searched for as well ("vegetarian"): its concept is also
// a filter.
bool IsKeptDietWord(std::string_view word);

}  // namespace recipe_rag::retrieval
