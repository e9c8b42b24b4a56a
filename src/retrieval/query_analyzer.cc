#include "retrieval/query_analyzer.h"

#include <xapian.h>

#include <algorithm>
#include <array>
#include <iterator>

namespace recipe_rag::retrieval {
namespace {

// English function words plus words that say "recipe" without saying which one.
constexpr std::string_view kStopwords[] = {
    "a",    "about",   "an",        "and",     "any",  "are",    "as",     "at",      "be",
    "can",  "dish",    "dishes",    "do",      "for",  "from",   "give",   "good",    "have",
    "how",  "i",       "idea",      "ideas",   "in",   "is",     "it",     "make",    "me",
    "my",   "need",    "of",        "on",      "or",   "please", "recipe", "recipes", "show",
    "so",   "some",    "something", "that",    "the",  "there",  "this",   "to",      "using",
    "want", "without", "no",        "non",     "what", "whats",  "which",  "with",    "would",
    "you",  "your",    "cook",      "cooking", "find", "made"};

bool IsStopword(std::string_view w) {
  return std::find(std::begin(kStopwords), std::end(kStopwords), w) != std::end(kStopwords);
}

// Phrases that ask for a diet, matched as consecutive words; each becomes a filter every
// result must pass. `keep` leaves the words in the query too: "vegetarian" also matches the
// vegetarian cookbook's tag, while "without eggs" must not search for eggs.
struct DietPhrase {
  std::array<std::string_view, 2> words;  // second empty for one-word phrases
  std::string_view diet;
  bool keep;
};
constexpr DietPhrase kDietPhrases[] = {
    {{"vegetarian", ""}, "vegetarian", true},   {{"veggie", ""}, "vegetarian", true},
    {{"meatless", ""}, "vegetarian", false},    {{"meat", "free"}, "vegetarian", false},
    {{"without", "meat"}, "vegetarian", false}, {{"no", "meat"}, "vegetarian", false},
    {{"without", "egg"}, "egg_free", false},    {{"without", "eggs"}, "egg_free", false},
    {{"no", "egg"}, "egg_free", false},         {{"no", "eggs"}, "egg_free", false},
    {{"egg", "free"}, "egg_free", false},       {{"eggless", ""}, "egg_free", false},
    {{"without", "nuts"}, "nut_free", false},   {{"without", "nut"}, "nut_free", false},
    {{"no", "nuts"}, "nut_free", false},        {{"no", "nut"}, "nut_free", false},
    {{"nut", "free"}, "nut_free", false},       {{"dairy", "free"}, "dairy_free", false},
    {{"no", "dairy"}, "dairy_free", false},     {{"without", "dairy"}, "dairy_free", false},
    {{"non", "dairy"}, "dairy_free", false},    {{"lactose", "free"}, "dairy_free", false},
    {{"without", "milk"}, "dairy_free", false}, {{"no", "milk"}, "dairy_free", false},
};

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
  std::vector<std::string> words;
  for (auto& w : SplitWords(text)) {
    const auto phrase =
        std::find_if(std::begin(kDietPhrases), std::end(kDietPhrases), [&](const DietPhrase& d) {
          if (d.words[1].empty()) return w == d.words[0];
          return !words.empty() && words.back() == d.words[0] && w == d.words[1];
        });
    if (phrase != std::end(kDietPhrases)) {
      AddDiet(out.diets, phrase->diet);
      if (!phrase->keep) {
        if (!phrase->words[1].empty()) words.pop_back();  // the phrase's first word
        continue;
      }
    }
    words.push_back(std::move(w));
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
