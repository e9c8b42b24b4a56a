#include "retrieval/query_analyzer.h"

#include <xapian.h>

#include <algorithm>
#include <iterator>

namespace recipe_rag::retrieval {
namespace {

// English function words plus words that say "recipe" without saying which one.
constexpr std::string_view kStopwords[] = {
    "a",     "about",  "an",     "and",    "any",     "are",  "as",   "at",    "be",        "can",
    "dish",  "dishes", "do",     "for",    "from",    "give", "good", "have",  "how",       "i",
    "idea",  "ideas",  "in",     "is",     "it",      "make", "me",   "my",    "need",      "of",
    "on",    "or",     "please", "recipe", "recipes", "show", "so",   "some",  "something", "that",
    "the",   "there",  "this",   "to",     "using",   "want", "what", "whats", "which",     "with",
    "would", "you",    "your",   "cook",   "cooking", "find", "made"};

bool IsStopword(std::string_view w) {
  return std::find(std::begin(kStopwords), std::end(kStopwords), w) != std::end(kStopwords);
}

// Words that ask for a diet; they stay in the query as words too (they match tags such as
// "Vegetarian"), and become a filter every result must pass.
struct DietWord {
  std::string_view word;
  std::string_view diet;
};
constexpr DietWord kDietWords[] = {
    {"vegetarian", "vegetarian"}, {"veggie", "vegetarian"}, {"meatless", "vegetarian"}};

void AddDiet(std::vector<std::string>& diets, std::string_view diet) {
  if (std::find(diets.begin(), diets.end(), diet) == diets.end()) diets.emplace_back(diet);
}

}  // namespace

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (Xapian::Utf8Iterator it(text.data(), text.size()), end; it != end; ++it) {
    const unsigned ch = *it;
    if (Xapian::Unicode::is_wordchar(ch)) {
      Xapian::Unicode::append_utf8(current, Xapian::Unicode::tolower(ch));
    } else if (ch == '\'' || ch == 0x2019) {
      // apostrophes join: "calf's" → "calfs" (stems like "calf"), "don't" → "dont"
      continue;
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

AnalyzedQuery QueryAnalyzer::Analyze(std::string_view text) const {
  AnalyzedQuery out;
  const auto words = SplitWords(text);
  for (std::size_t w = 0; w < words.size(); ++w) {
    for (const auto& d : kDietWords) {
      if (words[w] == d.word) AddDiet(out.diets, d.diet);
    }
    // "meat free", "meat-free", "without meat", "no meat"
    if (words[w] == "meat" && ((w + 1 < words.size() && words[w + 1] == "free") ||
                               (w > 0 && (words[w - 1] == "without" || words[w - 1] == "no")))) {
      AddDiet(out.diets, "vegetarian");
    }
  }
  std::size_t i = 0;
  while (i < words.size()) {
    // Longest lexicon phrase starting here ("mac and cheese" before "mac").
    bool matched = false;
    for (std::size_t n = std::min(lexicon_.max_words(), words.size() - i); n >= 1; --n) {
      std::string phrase = words[i];
      for (std::size_t j = 1; j < n; ++j) phrase += " " + words[i + j];
      const auto* period = lexicon_.Find(phrase);
      if (period == nullptr && phrase.size() > 3 && phrase.back() == 's') {
        period = lexicon_.Find(std::string_view(phrase).substr(0, phrase.size() - 1));  // "noodles"
      }
      if (period != nullptr) {
        out.concepts.push_back({phrase, *period});
        i += n;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (!IsStopword(words[i])) out.concepts.push_back({words[i], {}});
    ++i;
  }
  return out;
}

}  // namespace recipe_rag::retrieval
