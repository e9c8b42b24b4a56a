#include "retrieval/xapian_index.h"

#include <xapian.h>

#include <mutex>

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

// One word or phrase as a query: the stemmed term, or an exact phrase of them.
Xapian::Query WordsQuery(const std::vector<std::string>& words, const Xapian::Stem& stem) {
  std::vector<Xapian::Query> parts;
  parts.reserve(words.size());
  for (const auto& w : words) parts.emplace_back(Term("Z", stem(w)));
  if (parts.size() == 1) return parts.front();
  return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(),
                       static_cast<Xapian::termcount>(parts.size()));
}

bool Occurs(const Xapian::Database& db, const Xapian::Stem& stem, const std::string& word) {
  return db.get_termfreq(Term("Z", stem(word))) > 0 || db.get_termfreq(word) > 0;
}

Xapian::Query ConceptQuery(const Concept& c, const Xapian::Database& db, const Xapian::Stem& stem) {
  auto words = SplitWords(c.text);
  const bool own_word_occurs = words.size() == 1 && Occurs(db, stem, words[0]);
  if (words.size() == 1 && !own_word_occurs && c.expansions.empty() && words[0].size() >= 4) {
    // Unknown word: try the corpus' spelling ("spagetti" → "spaghetti").
    const unsigned max_edits = words[0].size() <= 6 ? 1 : 2;
    const auto suggestion = db.get_spelling_suggestion(words[0], max_edits);
    if (!suggestion.empty()) words[0] = suggestion;
  }
  std::vector<Xapian::Query> alternatives;
  alternatives.push_back(WordsQuery(words, stem));
  const double expansion_weight = own_word_occurs ? kExpansionWeight : 1.0;
  for (const auto& e : c.expansions) {
    alternatives.push_back(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                         WordsQuery(SplitWords(e), stem), expansion_weight));
  }
  if (alternatives.size() == 1) return alternatives.front();
  return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
}

}  // namespace

core::Result<std::vector<Hit>> XapianIndex::Search(const AnalyzedQuery& query,
                                                   const Filters& filters, std::size_t k) const {
  std::vector<Hit> hits;
  if (query.concepts.empty() || k == 0) return hits;
  auto db = pool_->Acquire();
  try {
    // A Stem keeps per-call state, so each search thread has its own.
    thread_local const Xapian::Stem stem("english");
    std::vector<Xapian::Query> concepts;
    concepts.reserve(query.concepts.size());
    for (const auto& c : query.concepts) concepts.push_back(ConceptQuery(c, *db, stem));
    Xapian::Query q(Xapian::Query::OP_OR, concepts.begin(), concepts.end());
    std::vector<std::string> diets = filters.diets;
    diets.insert(diets.end(), query.diets.begin(), query.diets.end());
    for (const auto& diet : diets) {
      q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(Term(kDietPrefix, diet)));
    }
    for (const auto& tag : filters.tags) {
      q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(TagTerm(tag)));
    }
    for (const auto& ingredient : filters.exclude_ingredients) {
      for (const auto& w : SplitWords(ingredient)) {
        const Xapian::Query excluded(Xapian::Query::OP_OR,
                                     Xapian::Query(Term(kIngredientPrefix, w)),
                                     Xapian::Query(Term(kZIngredientPrefix, stem(w))));
        q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, excluded);
      }
    }
    Xapian::Enquire enquire(*db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    const auto mset = enquire.get_mset(0, static_cast<Xapian::doccount>(k));
    hits.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      hits.push_back({*it - 1, it.get_percent() / 100.0});
    }
  } catch (const Xapian::Error& e) {
    pool_->Release(std::move(db));
    return core::Error::Internal(std::string("lexical search failed: ") + e.get_type());
  }
  pool_->Release(std::move(db));
  return hits;
}

}  // namespace recipe_rag::retrieval
