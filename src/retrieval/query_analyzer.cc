#include "retrieval/query_analyzer.h"

#include <xapian.h>

#include <algorithm>

#include "retrieval/query_intents.h"

namespace recipe_rag::retrieval {

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
  const auto words =
      TakeDietsAndExclusions(TakeTimeLimits(QueryWords(text), out.max_total_minutes), out);
  std::size_t i = 0;
  while (i < words.size()) {
    if (words[i] == kBreak) {
      ++i;
      continue;
    }
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
        out.concepts.push_back({phrase, *period, {}, false});
        i += n;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (!IsStopword(words[i])) {
      out.concepts.push_back({words[i], {}, {}, false});
      out.concepts.back().is_filter = IsKeptDietWord(words[i]);
    }
    ++i;
  }
  return out;
}

}  // namespace recipe_rag::retrieval
