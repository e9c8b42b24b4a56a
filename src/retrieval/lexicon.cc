#include "retrieval/lexicon.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "retrieval/query_analyzer.h"

namespace recipe_rag::retrieval {

core::Result<Lexicon> Lexicon::Load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::Error::NotFound("lexicon not found: " + file.filename().string());
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

core::Result<Lexicon> Lexicon::Parse(std::string_view text) {
  Lexicon lex;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    if (core::Trim(line).empty() || core::Trim(line).front() == '#') continue;
    const auto tab1 = line.find('\t');
    const auto tab2 = tab1 == std::string_view::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab1 == std::string_view::npos) {
      return core::Error::InvalidArgument("lexicon line " + std::to_string(line_no) +
                                          ": expected modern<TAB>period|period<TAB>why");
    }
    // Keys are stored as the query analyzer's words joined by single spaces, so
    // "all-purpose flour" matches "all purpose flour" and "All-Purpose Flour".
    std::string modern;
    for (const auto& w : SplitWords(line.substr(0, tab1)))
      modern += (modern.empty() ? "" : " ") + w;
    const auto period_field =
        line.substr(tab1 + 1, tab2 == std::string_view::npos ? tab2 : tab2 - tab1 - 1);
    std::vector<std::string> period;
    for (auto& term : core::SplitTrimmed(period_field, '|'))
      period.push_back(core::ToLowerAscii(term));
    if (modern.empty() || period.empty()) {
      return core::Error::InvalidArgument("lexicon line " + std::to_string(line_no) +
                                          ": empty modern or period terms");
    }
    const auto words = static_cast<std::size_t>(std::count(modern.begin(), modern.end(), ' ')) + 1;
    lex.max_words_ = std::max(lex.max_words_, words);
    auto& slot = lex.entries_[modern];
    slot.insert(slot.end(), period.begin(), period.end());
  }
  return lex;
}

const std::vector<std::string>* Lexicon::Find(std::string_view modern) const {
  const auto it = entries_.find(std::string(modern));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> Lexicon::Phrases() const {
  std::vector<std::string> phrases;
  const auto add = [&](const std::string& text) {
    if (SplitWords(text).size() > 1) phrases.push_back(text);
  };
  for (const auto& [modern, period] : entries_) {
    add(modern);
    for (const auto& p : period) add(p);
  }
  std::sort(phrases.begin(), phrases.end());
  phrases.erase(std::unique(phrases.begin(), phrases.end()), phrases.end());
  return phrases;
}

}  // namespace recipe_rag::retrieval
