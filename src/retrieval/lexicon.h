// Lexicon: the curated modern ↔ period vocabulary (data/lexicon/lexicon.tsv) that lets a
// user typing "pasta" find "macaroni". Immutable after Load; safe from many threads.
//
// File format: UTF-8, '#' comments, one entry per line:
//   modern<TAB>period|period|…<TAB>why
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace recipe_rag::retrieval {

class Lexicon {
 public:
  // InvalidArgument naming the line on a malformed entry; NotFound when the file is missing.
  static core::Result<Lexicon> Load(const std::filesystem::path& file);
  static core::Result<Lexicon> Parse(std::string_view text);

  // Period terms for a modern word or phrase (lower-case, single spaces); null when none.
  const std::vector<std::string>* Find(std::string_view modern) const;
  // Longest phrase length (in words) among the entries, for phrase matching.
  std::size_t max_words() const { return max_words_; }
  std::size_t size() const { return entries_.size(); }
  // Every modern and period phrase of two or more words, each once, sorted: what the lexical
  // index stores as a single term so that a phrase costs one lookup.
  std::vector<std::string> Phrases() const;

 private:
  std::unordered_map<std::string, std::vector<std::string>> entries_;
  std::size_t max_words_ = 1;
};

}  // namespace recipe_rag::retrieval
