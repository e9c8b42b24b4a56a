#include "retrieval/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <utility>

#include "core/strings.h"
#include "corpus/diet.h"

namespace recipe_rag::retrieval {
namespace {

constexpr const char* kIngredientPrefix = "XI";
constexpr const char* kZIngredientPrefix = "ZXI";  // stemmed ingredient words
constexpr const char* kTagPrefix = "K";
constexpr const char* kDietPrefix = "XD";
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

XapianIndex::XapianIndex(std::unique_ptr<Pool> pool, std::uint32_t doc_count)
    : pool_(std::move(pool)), doc_count_(doc_count) {}
XapianIndex::~XapianIndex() = default;

core::Status XapianIndex::Build(const std::vector<corpus::Recipe>& recipes,
                                const std::filesystem::path& file) {
  const auto scratch = file.parent_path() / (file.filename().string() + ".build");
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  try {
    {
      Xapian::WritableDatabase db(scratch.string(),
                                  Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
      Xapian::TermGenerator tg;
      tg.set_stemmer(Xapian::Stem("english"));
      tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME_FULL_POS);
      tg.set_database(db);
      tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
      for (const auto& r : recipes) {
        Xapian::Document doc;
        tg.set_document(doc);
        // Positions let multi-word period terms ("vegetable marrow") match as phrases.
        tg.index_text(r.title, kTitleWeight);
        for (const auto& tag : r.tags) {
          tg.increase_termpos(kFieldGap);
          tg.index_text(tag, kTagWeight);
          doc.add_boolean_term(TagTerm(tag));
        }
        for (const auto& line : r.ingredients) {
          tg.increase_termpos(kFieldGap);
          tg.index_text(line, kIngredientWeight);
          tg.index_text_without_positions(line, 1, kIngredientPrefix);
        }
        for (const auto& para : r.instructions) {
          tg.increase_termpos(kFieldGap);
          tg.index_text(para);
        }
        for (const auto diet : corpus::ClassifyDiets(r))
          doc.add_boolean_term(Term(kDietPrefix, diet));
        doc.add_boolean_term(Term("Q", r.id));
        db.add_document(doc);
      }
      db.commit();
      db.compact(file.string(), Xapian::DBCOMPACT_SINGLE_FILE);
    }
    std::filesystem::remove_all(scratch, ec);
  } catch (const Xapian::Error& e) {
    std::filesystem::remove_all(scratch, ec);
    return core::Error::Internal(std::string("lexical index build failed: ") + e.get_type() + ": " +
                                 e.get_msg());
  }
  return core::Status::Ok();
}

core::Result<std::unique_ptr<XapianIndex>> XapianIndex::Open(const std::filesystem::path& file) {
  try {
    auto pool = std::make_unique<Pool>(file.string());
    auto db = pool->Acquire();
    const auto count = db->get_doccount();
    pool->Release(std::move(db));
    return std::unique_ptr<XapianIndex>(new XapianIndex(std::move(pool), count));
  } catch (const Xapian::Error& e) {
    return core::Error::DataLoss(std::string("lexical index cannot be opened: ") + e.get_type());
  }
}

namespace {

// The stemmed terms of one word or phrase.
std::vector<std::string> StemTerms(std::string_view text, const Xapian::Stem& stem) {
  std::vector<std::string> terms;
  for (const auto& w : SplitWords(text)) terms.push_back(Term("Z", stem(w)));
  return terms;
}

// One word or phrase as a query: the stemmed term, or an exact phrase of them.
Xapian::Query WordsQuery(std::string_view text, const Xapian::Stem& stem) {
  const auto terms = StemTerms(text, stem);
  if (terms.size() == 1) return Xapian::Query(terms.front());
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                       static_cast<Xapian::termcount>(terms.size()));
}

bool Occurs(const Xapian::Database& db, const Xapian::Stem& stem, const std::string& word) {
  return db.get_termfreq(Term("Z", stem(word))) > 0 || db.get_termfreq(word) > 0;
}

bool SingleWord(std::string_view text) { return SplitWords(text).size() == 1; }

Xapian::Query ConceptQuery(const Concept& c, const Xapian::Database& db, const Xapian::Stem& stem) {
  const bool own_word_occurs = SingleWord(c.text) && Occurs(db, stem, c.text);
  std::vector<Xapian::Query> alternatives;
  alternatives.push_back(WordsQuery(c.text, stem));
  const double expansion_weight = own_word_occurs ? kExpansionWeight : 1.0;
  for (const auto& e : c.expansions) {
    alternatives.push_back(
        Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, WordsQuery(e, stem), expansion_weight));
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
    thread_local const Xapian::Stem stem("english");
    // Each group is a set of terms of which a document needs one.
    std::vector<std::vector<std::string>> required;
    std::vector<std::string> excluded;
    for (const auto& diet : filters.diets) required.push_back({Term(kDietPrefix, diet)});
    for (const auto& tag : filters.tags) required.push_back({TagTerm(tag)});
    for (const auto& food : filters.include_ingredients) {
      for (const auto& w : SplitWords(food)) {
        required.push_back({Term(kIngredientPrefix, w), Term(kZIngredientPrefix, stem(w))});
      }
    }
    for (const auto& food : filters.exclude_ingredients) {
      for (const auto& w : SplitWords(food)) {
        excluded.push_back(Term(kIngredientPrefix, w));
        excluded.push_back(Term(kZIngredientPrefix, stem(w)));
      }
    }
    // Walking posting lists costs their length, not the corpus size.
    auto postings = [&](const std::string& term, auto&& fn) {
      for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) fn(*p - 1);
    };
    DocSet allowed(doc_count_, required.empty());
    for (std::size_t g = 0; g < required.size(); ++g) {
      DocSet group(doc_count_, false);
      for (const auto& term : required[g]) {
        postings(term, [&](Xapian::docid d) { group.insert(d); });
      }
      if (g == 0) {
        allowed = std::move(group);
      } else {
        allowed.intersect(group);
      }
    }
    for (const auto& term : excluded) postings(term, [&](Xapian::docid d) { allowed.erase(d); });
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
        for (const auto& c : query.concepts) concepts.push_back(ConceptQuery(c, db, stem));
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
        thread_local const Xapian::Stem stem("english");
        struct Weighted {
          std::vector<std::vector<std::string>> alternatives;  // each: consecutive terms
          double weight = 0;
        };
        std::vector<Weighted> concepts;
        const double n = std::max<double>(1, db.get_doccount());
        double total = 0;
        for (const auto& c : query.concepts) {
          if (c.is_filter) continue;
          Weighted w;
          w.alternatives.push_back(StemTerms(c.text, stem));
          for (const auto& e : c.expansions) w.alternatives.push_back(StemTerms(e, stem));
          std::erase_if(w.alternatives, [](const auto& alt) { return alt.empty(); });
          // A concept is as common as its most common wording; an unknown one is rarest.
          Xapian::doccount df = 0;
          for (const auto& alt : w.alternatives) {
            Xapian::doccount alt_df = db.get_doccount();
            for (const auto& t : alt) alt_df = std::min(alt_df, db.get_termfreq(t));
            df = std::max(df, alt_df);
          }
          w.weight = std::log(1.0 + n / (df + 0.5));
          total += w.weight;
          concepts.push_back(std::move(w));
        }
        std::vector<QueryCoverage> coverage(docs.size());
        if (concepts.empty() || total <= 0) return coverage;
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
            Xapian::termpos earliest = 0;
            for (const auto& alt : c.alternatives) {
              const auto pos = first(alt);
              if (pos != 0 && (earliest == 0 || pos < earliest)) earliest = pos;
            }
            if (earliest == 0) continue;
            anywhere += c.weight;
            // The title is indexed first; every later field starts past kFieldGap.
            if (earliest <= kFieldGap) in_title += c.weight;
          }
          coverage[i] = {anywhere / total, in_title / total};
        }
        return coverage;
      });
}

}  // namespace recipe_rag::retrieval
