// XapianIndex: the lexical index — BM25 over recipe fields in a single-file Xapian database.
//
// Fields and their weight (within-document frequency multiplier): title ×5, tags ×2,
// ingredients ×2, instructions ×1; English Snowball stemming; spelling data from the
// corpus; boolean terms for tags and diets (filters) and a prefixed copy of ingredient
// words (inclusions and exclusions). Each multi-word lexicon phrase is also one term ("XP"
// + its stems), posted where the words occur consecutively, so a phrase is one posting list
// rather than a positional match over common words ("pepper", "cream"). Search() is safe from many
// threads: each call borrows its own database handle (Xapian handles are single-threaded).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "corpus/recipe.h"
#include "retrieval/doc_set.h"
#include "retrieval/query_analyzer.h"
#include "retrieval/retriever.h"

namespace recipe_rag::retrieval {

struct LexicalHit {
  std::uint32_t doc = 0;  // document index (= recipe index)
  double weight = 0;      // BM25 weight, unbounded
  double percent = 0;     // Xapian's relative match percentage / 100, in [0, 1]
};

struct QueryCoverage {
  double overall = 1;  // share of the query's weighted concepts found anywhere in the recipe
  double title = 1;    // share found in its title
};

class XapianIndex {
 public:
  // Writes the recipes (document i+1 = recipes[i]) to `file` (a single-file database), with
  // a term for each of `phrases` (Lexicon::Phrases()). Internal on a Xapian error.
  static core::Status Build(const std::vector<corpus::Recipe>& recipes,
                            const std::vector<std::string>& phrases,
                            const std::filesystem::path& file);

  // DataLoss when the file is not a readable Xapian database. The recipes holding each of
  // `common_ingredients` are found once here, so that excluding them costs no posting walk.
  static core::Result<std::unique_ptr<XapianIndex>> Open(
      const std::filesystem::path& file, const std::vector<std::string>& common_ingredients = {});

  ~XapianIndex();
  XapianIndex(const XapianIndex&) = delete;
  XapianIndex& operator=(const XapianIndex&) = delete;

  // Replaces each single unknown word that has no lexicon expansion by the corpus' closest
  // spelling ("spagetti" → "spaghetti"; Concept::corrected_from keeps what was typed).
  void Resolve(AnalyzedQuery& query) const;

  // The documents that pass the filters' diets, tags and ingredient words (an ingredient
  // word matches its stem in any ingredient line). Time limits are not known here.
  core::Result<DocSet> Allowed(const Filters& filters) const;

  // At most `k` hits by BM25, best first, from `allowed` when given.
  core::Result<std::vector<LexicalHit>> Search(const AnalyzedQuery& query, const DocSet* allowed,
                                               std::size_t k) const;

  // For each document: the share of the query's concepts (weighted by their rarity in the
  // corpus, so an unknown word weighs most) that occur in it (a phrase as consecutive
  // words), in [0, 1]. Concepts that are
  // also filters are left out; a query with no other concept covers every document fully.
  // `title` is the same share counting only the title.
  core::Result<std::vector<QueryCoverage>> Coverage(const AnalyzedQuery& query,
                                                    const std::vector<std::uint32_t>& docs) const;

  std::uint32_t doc_count() const { return doc_count_; }

 private:
  class Pool;
  XapianIndex(std::unique_ptr<Pool> pool, std::uint32_t doc_count,
              std::unordered_map<std::string, DocSet> diets,
              std::unordered_set<std::string> phrase_terms, bool title_terms,
              std::unordered_map<std::string, DocSet> ingredients);
  // The terms a word or phrase is looked up by: its phrase term when the index has one,
  // otherwise its stems (which must then occur consecutively).
  std::vector<std::string> Terms(std::string_view text) const;
  std::unique_ptr<Pool> pool_;
  std::uint32_t doc_count_;
  // The recipes of each diet term, read once: diet filters are the common ones.
  std::unordered_map<std::string, DocSet> diets_;
  std::unordered_set<std::string> phrase_terms_;  // the "XP" terms this index was built with
  bool title_terms_;  // the index has weightless title copies of its terms ("ZS", "XT")
  std::unordered_map<std::string, DocSet> ingredients_;  // common ingredient word → recipes
};

}  // namespace recipe_rag::retrieval
