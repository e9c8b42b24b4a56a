#include "retrieval/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/strings.h"
#include "corpus/diet.h"

namespace recipe_rag::retrieval {
namespace {

constexpr const char* kIngredientPrefix = "XI";
constexpr const char* kZIngredientPrefix = "ZXI";  // stemmed ingredient words
constexpr const char* kTagPrefix = "K";
constexpr const char* kDietPrefix = "XD";
constexpr const char* kPhrasePrefix = "XP";
// Title copies of the stemmed and phrase terms, with no weight: whether a word is in the title
// is then one posting-list lookup instead of a position read.
constexpr const char* kTitlePrefix = "ZS";
constexpr const char* kTitlePhrasePrefix = "XT";
// Database metadata keys: the phrase terms of the index, one per line; "1" when the index has
// title terms.
constexpr const char* kPhrasesKey = "phrases";
constexpr const char* kTitleTermsKey = "title_terms";
constexpr Xapian::termcount kTitleWeight = 5;
constexpr Xapian::termcount kTagWeight = 2;
constexpr Xapian::termcount kIngredientWeight = 2;
// Period terms count half as much as the user's own word when that single word occurs in the
// corpus; otherwise ("pasta", "mac and cheese") the period terms are all there is and count fully.
constexpr double kExpansionWeight = 0.5;
// Gap between fields and lines, so a phrase never matches across them.
constexpr Xapian::termpos kFieldGap = 100;

// prefix + word, built by appending (GCC 12 warns falsely on `"Z" + str` at -O3: PR 105329).
std::string Term(std::string_view prefix, std::string_view word) {
  std::string term;
  term.reserve(prefix.size() + word.size());
  term.append(prefix).append(word);
  return term;
}

std::string TagTerm(std::string_view tag) {
  return Term(kTagPrefix, core::ToLowerAscii(core::Trim(tag)));
}

// The stemmed terms ("Z" + stem) of one word or phrase.
std::vector<std::string> StemTerms(std::string_view text, const Xapian::Stem& stem) {
  std::vector<std::string> terms;
  for (const auto& w : SplitWords(text)) terms.push_back(Term("Z", stem(w)));
  return terms;
}

// "XP" + the stems joined by spaces: "bell peppers" and "bell pepper" share one term.
std::string PhraseTerm(const std::vector<std::string>& stem_terms) {
  std::string term = kPhrasePrefix;
  for (std::size_t i = 0; i < stem_terms.size(); ++i) {
    if (i > 0) term.push_back(' ');
    term.append(std::string_view(stem_terms[i]).substr(1));
  }
  return term;
}

// The title copy of a stemmed ("Z…") or phrase ("XP…") term; empty for any other term.
std::string TitleTerm(std::string_view term) {
  if (term.starts_with(kPhrasePrefix)) return Term(kTitlePhrasePrefix, term.substr(2));
  if (term.starts_with("Z")) return Term(kTitlePrefix, term.substr(1));
  return {};
}

// Xapian's limit on a term's length in a glass database.
constexpr std::size_t kMaxTermBytes = 245;

// Posts the phrase terms of a document whose text has been indexed with positions: for each
// phrase, wherever its stems occur consecutively, within-document frequency as the field's
// weight (fields[i] = first position and weight of a field, in position order).
class PhrasePoster {
 public:
  PhrasePoster(const std::vector<std::string>& phrases, const Xapian::Stem& stem) {
    for (const auto& text : phrases) {
      auto terms = StemTerms(text, stem);
      if (terms.size() < 2) continue;
      auto term = PhraseTerm(terms);
      if (term.size() > kMaxTermBytes) continue;
      words_.insert(terms.begin(), terms.end());
      phrases_.push_back({std::move(terms), std::move(term)});
    }
    std::sort(phrases_.begin(), phrases_.end(),
              [](const Phrase& a, const Phrase& b) { return a.term < b.term; });
    phrases_.erase(std::unique(phrases_.begin(), phrases_.end(),
                               [](const Phrase& a, const Phrase& b) { return a.term == b.term; }),
                   phrases_.end());
  }

  struct Field {
    Xapian::termpos first;
    Xapian::termcount weight;
  };

  void Post(Xapian::Document& doc, const std::vector<Field>& fields) const {
    std::unordered_map<std::string, std::vector<Xapian::termpos>> positions;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      if (!words_.contains(*t)) continue;
      auto& at = positions[*t];
      for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) at.push_back(*p);
    }
    for (const auto& phrase : phrases_) {
      const auto first = positions.find(phrase.words.front());
      if (first == positions.end()) continue;
      for (const auto start : first->second) {
        bool all = true;
        for (std::size_t j = 1; j < phrase.words.size() && all; ++j) {
          const auto it = positions.find(phrase.words[j]);
          all =
              it != positions.end() && std::binary_search(it->second.begin(), it->second.end(),
                                                          start + static_cast<Xapian::termpos>(j));
        }
        if (!all) continue;
        auto field =
            std::upper_bound(fields.begin(), fields.end(), start,
                             [](Xapian::termpos p, const Field& f) { return p < f.first; });
        const auto weight = field == fields.begin() ? 1 : std::prev(field)->weight;
        doc.add_posting(phrase.term, start, weight);
        if (field - fields.begin() == 1) doc.add_term(TitleTerm(phrase.term), 0);
      }
    }
  }

  std::string Metadata() const {
    std::string out;
    for (const auto& p : phrases_) out.append(p.term).push_back('\n');
    return out;
  }

 private:
  struct Phrase {
    std::vector<std::string> words;
    std::string term;
  };
  std::vector<Phrase> phrases_;
  std::unordered_set<std::string> words_;
};

}  // namespace

// Database handles, one per concurrent search, opened on demand and kept for reuse.
class XapianIndex::Pool {
 public:
  explicit Pool(std::string path) : path_(std::move(path)) {}

  std::unique_ptr<Xapian::Database> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto db = std::move(free_.back());
        free_.pop_back();
        return db;
      }
    }
    return std::make_unique<Xapian::Database>(path_);
  }

  void Release(std::unique_ptr<Xapian::Database> db) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(db));
  }

 private:
  const std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Xapian::Database>> free_;
};

XapianIndex::XapianIndex(std::unique_ptr<Pool> pool, std::uint32_t doc_count,
                         std::unordered_map<std::string, DocSet> diets,
                         std::unordered_set<std::string> phrase_terms, bool title_terms,
                         std::unordered_map<std::string, DocSet> ingredients)
    : pool_(std::move(pool)),
      doc_count_(doc_count),
      diets_(std::move(diets)),
      phrase_terms_(std::move(phrase_terms)),
      title_terms_(title_terms),
      ingredients_(std::move(ingredients)) {}

std::vector<std::string> XapianIndex::Terms(std::string_view text) const {
  thread_local const Xapian::Stem stem("english");
  auto terms = StemTerms(text, stem);
  if (terms.size() > 1) {
    auto phrase = PhraseTerm(terms);
    if (phrase_terms_.contains(phrase)) return {std::move(phrase)};
  }
  return terms;
}
XapianIndex::~XapianIndex() = default;

namespace {

// Writes recipes[first, last) to a new glass database in `dir` (document i+1 = recipes[first+i]).
void BuildShard(const std::vector<corpus::Recipe>& recipes, std::size_t first, std::size_t last,
                const PhrasePoster& phrase_poster, const std::string& dir) {
  Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
  const Xapian::Stem stem("english");
  Xapian::TermGenerator tg;
  tg.set_stemmer(stem);
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME_FULL_POS);
  tg.set_database(db);
  tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
  std::vector<PhrasePoster::Field> fields;
  // Each field after the title starts kFieldGap positions on, so no phrase spans two.
  const auto next_field = [&](Xapian::termcount weight) {
    if (!fields.empty()) tg.increase_termpos(kFieldGap);
    fields.push_back({tg.get_termpos() + 1, weight});
  };
  for (std::size_t i = first; i < last; ++i) {
    const auto& r = recipes[i];
    Xapian::Document doc;
    tg.set_document(doc);
    fields.clear();
    // Positions let multi-word period terms ("vegetable marrow") match as phrases.
    next_field(kTitleWeight);
    tg.index_text(r.title, kTitleWeight);
    for (const auto& word : SplitWords(r.title)) doc.add_term(Term(kTitlePrefix, stem(word)), 0);
    for (const auto& tag : r.tags) {
      next_field(kTagWeight);
      tg.index_text(tag, kTagWeight);
      doc.add_boolean_term(TagTerm(tag));
    }
    for (const auto& line : r.ingredients) {
      next_field(kIngredientWeight);
      tg.index_text(line, kIngredientWeight);
      tg.index_text_without_positions(line, 1, kIngredientPrefix);
    }
    for (const auto& para : r.instructions) {
      next_field(1);
      tg.index_text(para);
    }
    phrase_poster.Post(doc, fields);
    for (const auto diet : corpus::ClassifyDiets(r)) doc.add_boolean_term(Term(kDietPrefix, diet));
    doc.add_boolean_term(Term("Q", r.id));
    db.add_document(doc);
  }
  db.set_metadata(kPhrasesKey, phrase_poster.Metadata());
  db.set_metadata(kTitleTermsKey, "1");
  db.commit();
}

// Recipes per shard below which another shard (thread) is not worth its merge.
constexpr std::size_t kMinShardRecipes = 2000;
constexpr std::size_t kMaxShards = 4;

}  // namespace

// Most of Xapian's indexing time goes into add_document, and a WritableDatabase is
// single-threaded: so consecutive slices of the corpus
// are indexed into separate databases on separate threads, and compaction merges them in order
// (the second shard's documents follow the first's), with their spelling data.
core::Status XapianIndex::Build(const std::vector<corpus::Recipe>& recipes,
                                const std::vector<std::string>& phrases,
                                const std::filesystem::path& file) {
  const std::size_t shards = std::clamp<std::size_t>(
      std::min<std::size_t>(std::thread::hardware_concurrency(), recipes.size() / kMinShardRecipes),
      1, kMaxShards);
  const auto scratch = [&](std::size_t shard) {
    return file.parent_path() / (file.filename().string() + ".build-" + std::to_string(shard));
  };
  const auto remove_scratch = [&] {
    std::error_code ec;
    for (std::size_t i = 0; i < shards; ++i) std::filesystem::remove_all(scratch(i), ec);
  };
  remove_scratch();
  const PhrasePoster phrase_poster(phrases, Xapian::Stem("english"));
  std::vector<std::string> errors(shards);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < shards; ++i) {
      threads.emplace_back([&, i] {
        try {
          BuildShard(recipes, recipes.size() * i / shards, recipes.size() * (i + 1) / shards,
                     phrase_poster, scratch(i).string());
        } catch (const Xapian::Error& e) {
          errors[i] = std::string(e.get_type()) + ": " + e.get_msg();
        }
      });
    }
  }
  const auto failed =
      std::find_if(errors.begin(), errors.end(), [](const std::string& e) { return !e.empty(); });
  std::string error = failed != errors.end() ? *failed : std::string();
  if (error.empty()) {
    try {
      Xapian::Database all;
      for (std::size_t i = 0; i < shards; ++i) all.add_database(Xapian::Database(scratch(i)));
      all.compact(file.string(), Xapian::DBCOMPACT_SINGLE_FILE);
    } catch (const Xapian::Error& e) {
      error = std::string(e.get_type()) + ": " + e.get_msg();
    }
  }
  remove_scratch();
  if (!error.empty()) return core::Error::Internal("lexical index build failed: " + error);
  return core::Status::Ok();
}

namespace {

// Adds to `set` the documents holding `term`. Walking a posting list costs its length, not the
// corpus size.
void AddPostings(const Xapian::Database& db, const std::string& term, DocSet& set) {
  for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) set.insert(*p - 1);
}

// Adds to `set` the recipes with `word` in an ingredient line, as written or stemmed.
void AddIngredientRecipes(const Xapian::Database& db, std::string_view word, DocSet& set) {
  thread_local const Xapian::Stem stem("english");
  AddPostings(db, Term(kIngredientPrefix, word), set);
  AddPostings(db, Term(kZIngredientPrefix, stem(std::string(word))), set);
}

}  // namespace

core::Result<std::unique_ptr<XapianIndex>> XapianIndex::Open(
    const std::filesystem::path& file, const std::vector<std::string>& common_ingredients) {
  try {
    auto pool = std::make_unique<Pool>(file.string());
    auto db = pool->Acquire();
    const auto count = db->get_doccount();
    std::unordered_map<std::string, DocSet> diets;
    for (auto t = db->allterms_begin(kDietPrefix); t != db->allterms_end(kDietPrefix); ++t) {
      DocSet set(count, false);
      AddPostings(*db, *t, set);
      diets.emplace(*t, std::move(set));
    }
    std::unordered_set<std::string> phrase_terms;
    for (auto& term : core::SplitTrimmed(db->get_metadata(kPhrasesKey), '\n')) {
      phrase_terms.insert(std::move(term));
    }
    const bool title_terms = db->get_metadata(kTitleTermsKey) == "1";
    std::unordered_map<std::string, DocSet> ingredients;
    for (const auto& word : common_ingredients) {
      for (const auto& w : SplitWords(word)) {
        AddIngredientRecipes(*db, w, ingredients.try_emplace(w, count, false).first->second);
      }
    }
    pool->Release(std::move(db));
    return std::unique_ptr<XapianIndex>(new XapianIndex(std::move(pool), count, std::move(diets),
                                                        std::move(phrase_terms), title_terms,
                                                        std::move(ingredients)));
  } catch (const Xapian::Error& e) {
    return core::Error::DataLoss(std::string("lexical index cannot be opened: ") + e.get_type());
  }
}

namespace {

// One word or phrase as a query: its term, or an exact phrase of its stems.
Xapian::Query WordsQuery(const std::vector<std::string>& terms) {
  if (terms.size() == 1) return Xapian::Query(terms.front());
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                       static_cast<Xapian::termcount>(terms.size()));
}

bool Occurs(const Xapian::Database& db, const Xapian::Stem& stem, const std::string& word) {
  return db.get_termfreq(Term("Z", stem(word))) > 0 || db.get_termfreq(word) > 0;
}

bool SingleWord(std::string_view text) { return SplitWords(text).size() == 1; }

template <class TermsFn>
Xapian::Query ConceptQuery(const Concept& c, const Xapian::Database& db, const Xapian::Stem& stem,
                           const TermsFn& terms) {
  const bool own_word_occurs = SingleWord(c.text) && Occurs(db, stem, c.text);
  std::vector<Xapian::Query> alternatives;
  alternatives.push_back(WordsQuery(terms(c.text)));
  const double expansion_weight = own_word_occurs ? kExpansionWeight : 1.0;
  for (const auto& e : c.expansions) {
    alternatives.push_back(
        Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, WordsQuery(terms(e)), expansion_weight));
  }
  if (alternatives.size() == 1) return alternatives.front();
  return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
}

// Borrows a database handle for one call and gives it back however the call ends.
template <class Pool, class Fn>
auto WithDatabase(Pool& pool, const char* what, Fn&& fn)
    -> decltype(fn(std::declval<Xapian::Database&>())) {
  auto db = pool.Acquire();
  try {
    auto result = fn(*db);
    pool.Release(std::move(db));
    return result;
  } catch (const Xapian::Error& e) {
    pool.Release(std::move(db));
    return core::Error::Internal(std::string(what) + " failed: " + e.get_type());
  }
}

}  // namespace

void XapianIndex::Resolve(AnalyzedQuery& query) const {
  thread_local const Xapian::Stem stem("english");
  auto db = pool_->Acquire();
  try {
    for (auto& c : query.concepts) {
      if (!c.expansions.empty() || !SingleWord(c.text) || c.text.size() < 4) continue;
      if (Occurs(*db, stem, c.text)) continue;
      const unsigned max_edits = c.text.size() <= 6 ? 1 : 2;
      auto suggestion = db->get_spelling_suggestion(c.text, max_edits);
      if (suggestion.empty()) continue;
      c.corrected_from = std::exchange(c.text, std::move(suggestion));
    }
  } catch (const Xapian::Error&) {
    // Spelling is a help, not a requirement: the query stays as typed.
  }
  pool_->Release(std::move(db));
}

core::Result<DocSet> XapianIndex::Allowed(const Filters& filters) const {
  return WithDatabase(*pool_, "filtering", [&](Xapian::Database& db) -> core::Result<DocSet> {
    // The recipes with an ingredient word: kept ready for common ones, else walked.
    const auto with_ingredient = [&](const std::string& word, DocSet& set) {
      if (const auto it = ingredients_.find(word); it != ingredients_.end()) {
        set.unite(it->second);
      } else {
        AddIngredientRecipes(db, word, set);
      }
    };
    DocSet allowed(doc_count_, true);
    for (const auto& diet : filters.diets) {
      const auto it = diets_.find(Term(kDietPrefix, diet));
      if (it == diets_.end()) return DocSet(doc_count_, false);  // no recipe has the diet
      allowed.intersect(it->second);
    }
    for (const auto& tag : filters.tags) {
      DocSet group(doc_count_, false);
      AddPostings(db, TagTerm(tag), group);
      allowed.intersect(group);
    }
    for (const auto& food : filters.include_ingredients) {
      for (const auto& w : SplitWords(food)) {
        DocSet group(doc_count_, false);
        with_ingredient(w, group);
        allowed.intersect(group);
      }
    }
    DocSet excluded(doc_count_, false);
    for (const auto& food : filters.exclude_ingredients) {
      for (const auto& w : SplitWords(food)) with_ingredient(w, excluded);
    }
    allowed.subtract(excluded);
    return allowed;
  });
}

core::Result<std::vector<LexicalHit>> XapianIndex::Search(const AnalyzedQuery& query,
                                                          const DocSet* allowed,
                                                          std::size_t k) const {
  if (query.concepts.empty() || k == 0) return std::vector<LexicalHit>{};
  return WithDatabase(
      *pool_, "lexical search", [&](Xapian::Database& db) -> core::Result<std::vector<LexicalHit>> {
        thread_local const Xapian::Stem stem("english");
        std::vector<Xapian::Query> concepts;
        concepts.reserve(query.concepts.size());
        const auto terms = [this](std::string_view text) { return Terms(text); };
        for (const auto& c : query.concepts) concepts.push_back(ConceptQuery(c, db, stem, terms));
        Xapian::Enquire enquire(db);
        enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, concepts.begin(), concepts.end()));
        enquire.set_weighting_scheme(Xapian::BM25Weight());
        struct InSet : Xapian::MatchDecider {
          explicit InSet(const DocSet& s) : set(s) {}
          bool operator()(const Xapian::Document& doc) const override {
            return set.contains(doc.get_docid() - 1);
          }
          const DocSet& set;
        };
        std::optional<InSet> decider;
        if (allowed != nullptr) decider.emplace(*allowed);
        const auto mset = enquire.get_mset(0, static_cast<Xapian::doccount>(k), nullptr,
                                           decider ? &*decider : nullptr);
        std::vector<LexicalHit> hits;
        hits.reserve(mset.size());
        for (auto it = mset.begin(); it != mset.end(); ++it) {
          hits.push_back({*it - 1, it.get_weight(), it.get_percent() / 100.0});
        }
        return hits;
      });
}

core::Result<std::vector<QueryCoverage>> XapianIndex::Coverage(
    const AnalyzedQuery& query, const std::vector<std::uint32_t>& docs) const {
  return WithDatabase(
      *pool_, "coverage", [&](Xapian::Database& db) -> core::Result<std::vector<QueryCoverage>> {
        struct Alternative {
          std::vector<std::string> terms;  // consecutive terms
          std::string title;               // the title copy of a single term, when indexed
        };
        struct Weighted {
          std::vector<Alternative> alternatives;
          double weight = 0;
        };
        std::vector<Weighted> concepts;
        const double n = std::max<double>(1, db.get_doccount());
        double total = 0;
        for (const auto& c : query.concepts) {
          if (c.is_filter) continue;
          Weighted w;
          const auto add = [&](std::string_view text) {
            auto terms = Terms(text);
            if (terms.empty()) return;
            auto title = title_terms_ && terms.size() == 1 ? TitleTerm(terms.front()) : "";
            w.alternatives.push_back({std::move(terms), std::move(title)});
          };
          add(c.text);
          for (const auto& e : c.expansions) add(e);
          // A concept is as common as its most common wording; an unknown one is rarest.
          Xapian::doccount df = 0;
          for (const auto& alt : w.alternatives) {
            Xapian::doccount alt_df = db.get_doccount();
            for (const auto& t : alt.terms) alt_df = std::min(alt_df, db.get_termfreq(t));
            df = std::max(df, alt_df);
          }
          w.weight = std::log(1.0 + n / (df + 0.5));
          total += w.weight;
          concepts.push_back(std::move(w));
        }
        std::vector<QueryCoverage> coverage(docs.size());
        if (concepts.empty() || total <= 0) return coverage;
        // Which documents hold each term the alternatives use (and its title copy), from one
        // walk along the term's posting list. Positions are read only for a phrase that has no
        // term of its own, and for the title in an index without title terms.
        std::unordered_map<std::string, std::vector<bool>> holds;
        std::vector<std::size_t> by_docid(docs.size());
        for (std::size_t i = 0; i < docs.size(); ++i) by_docid[i] = i;
        std::sort(by_docid.begin(), by_docid.end(),
                  [&](std::size_t a, std::size_t b) { return docs[a] < docs[b]; });
        // Returns whether any of the documents holds the term.
        const auto walk = [&](const std::string& term) {
          auto [slot, added] = holds.try_emplace(term, docs.size(), false);
          auto& held = slot->second;
          if (added) {
            auto p = db.postlist_begin(term);
            for (const auto i : by_docid) {
              const Xapian::docid did = docs[i] + 1;
              p.skip_to(did);
              if (p == db.postlist_end(term)) break;
              if (*p == did) held[i] = true;
            }
          }
          return std::find(held.begin(), held.end(), true) != held.end();
        };
        for (const auto& c : concepts) {
          for (const auto& alt : c.alternatives) {
            bool any = false;
            for (const auto& term : alt.terms) any = walk(term) || any;
            // A title copy is only looked for where the word occurs at all: the title is read
            // only for a recipe that has every term of the alternative.
            if (any && !alt.title.empty()) walk(alt.title);
          }
        }
        for (std::size_t i = 0; i < docs.size(); ++i) {
          const Xapian::docid did = docs[i] + 1;
          // First position where the terms occur consecutively; 0 when they do not.
          auto first = [&](const std::vector<std::string>& terms) -> Xapian::termpos {
            for (auto p = db.positionlist_begin(did, terms[0]);
                 p != db.positionlist_end(did, terms[0]); ++p) {
              bool all = true;
              for (std::size_t j = 1; j < terms.size() && all; ++j) {
                const auto want = *p + static_cast<Xapian::termpos>(j);
                auto q = db.positionlist_begin(did, terms[j]);
                q.skip_to(want);
                all = q != db.positionlist_end(did, terms[j]) && *q == want;
              }
              if (all) return *p;
            }
            return 0;
          };
          double anywhere = 0, in_title = 0;
          for (const auto& c : concepts) {
            bool found = false, titled = false;
            for (const auto& alt : c.alternatives) {
              if (!std::all_of(alt.terms.begin(), alt.terms.end(),
                               [&](const std::string& t) { return holds.at(t)[i]; })) {
                continue;
              }
              if (!alt.title.empty()) {
                found = true;
                titled = titled || holds.at(alt.title)[i];
              } else if (const auto pos = first(alt.terms); pos != 0) {
                found = true;
                // The title is indexed first; every later field starts past kFieldGap.
                titled = titled || pos <= kFieldGap;
              }
              if (titled) break;
            }
            if (found) anywhere += c.weight;
            if (titled) in_title += c.weight;
          }
          coverage[i] = {anywhere / total, in_title / total};
        }
        return coverage;
      });
}

}  // namespace recipe_rag::retrieval
