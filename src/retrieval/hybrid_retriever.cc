#include "retrieval/hybrid_retriever.h"

#include <algorithm>

#include "core/strings.h"
#include "retrieval/query_intents.h"

namespace recipe_rag::retrieval {
namespace {

// Calibration: coverage decides most of a score, the fused rank the rest.
constexpr double kCoverageFloor = 0.6;
constexpr double kTitleShare = 0.5;
// Candidates calibrated (coverage is read for each) before the final top_k is cut.
constexpr std::size_t kCalibrated = 12;

bool HasFilters(const Filters& f) {
  return !f.tags.empty() || !f.exclude_ingredients.empty() || !f.include_ingredients.empty() ||
         !f.diets.empty() || f.max_total_minutes.has_value();
}

template <class T>
void AppendUnique(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& v : from) {
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
  }
}

bool IsZero(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; });
}

}  // namespace

std::string EmbeddingQueryText(const AnalyzedQuery& query) {
  std::string text;
  for (const auto& c : query.concepts) {
    text.append(c.text).push_back(' ');
    for (const auto& e : c.expansions) text.append(e).push_back(' ');
  }
  return text;
}

HybridRetriever::HybridRetriever(const std::vector<corpus::Recipe>& recipes, Lexicon lexicon,
                                 std::unique_ptr<XapianIndex> lexical,
                                 std::unique_ptr<Embedder> embedder,
                                 std::unique_ptr<VectorIndex> vectors, HybridOptions options)
    : lexicon_(std::move(lexicon)),
      analyzer_(options.lexicon ? lexicon_ : no_lexicon_),
      lexical_(std::move(lexical)),
      embedder_(std::move(embedder)),
      vectors_(std::move(vectors)),
      options_(options) {
  minutes_.reserve(recipes.size());
  for (const auto& r : recipes) minutes_.push_back(r.time_minutes.value_or(0));
}

HybridRetriever::Prepared HybridRetriever::Prepare(const Query& query) const {
  Prepared p{analyzer_.Analyze(query.text), query.filters};
  if (options_.spelling) lexical_->Resolve(p.analyzed);
  if (options_.query_intents) {
    AppendUnique(p.filters.diets, p.analyzed.diets);
    AppendUnique(p.filters.exclude_ingredients, p.analyzed.exclude_ingredients);
    if (p.analyzed.max_total_minutes) {
      p.filters.max_total_minutes =
          std::min(p.filters.max_total_minutes.value_or(*p.analyzed.max_total_minutes),
                   *p.analyzed.max_total_minutes);
    }
  } else {
    for (auto& c : p.analyzed.concepts) c.is_filter = false;
  }
  std::vector<std::string> excluded;
  for (const auto& food : p.filters.exclude_ingredients) {
    AppendUnique(excluded, WithFoodFamily(core::ToLowerAscii(food)));
  }
  p.filters.exclude_ingredients = std::move(excluded);
  return p;
}

Interpretation HybridRetriever::Interpret(const Query& query) const {
  auto p = Prepare(query);
  Interpretation out;
  for (const auto& c : p.analyzed.concepts) {
    out.concepts.push_back(c.text);
    AppendUnique(out.expansions, c.expansions);
    if (!c.corrected_from.empty()) out.corrections.emplace_back(c.corrected_from, c.text);
  }
  out.filters = std::move(p.filters);
  return out;
}

core::Result<std::optional<DocSet>> HybridRetriever::Allowed(const Filters& filters) const {
  if (!HasFilters(filters)) return std::optional<DocSet>();
  auto allowed = lexical_->Allowed(filters);
  if (!allowed.ok()) return std::move(allowed).error();
  if (filters.max_total_minutes) {
    // Only recipes whose time is known can be shown to fit a limit.
    for (std::size_t d = 0; d < minutes_.size(); ++d) {
      if (minutes_[d] == 0 || minutes_[d] > *filters.max_total_minutes) allowed->erase(d);
    }
  }
  return std::optional<DocSet>(std::move(*allowed));
}

core::Result<std::vector<Hit>> HybridRetriever::Search(const Query& query) const {
  std::vector<Hit> hits;
  const auto p = Prepare(query);
  if (p.analyzed.concepts.empty() || query.top_k == 0) return hits;
  auto allowed = Allowed(p.filters);
  if (!allowed.ok()) return std::move(allowed).error();
  const DocSet* allowed_set = allowed->has_value() ? &**allowed : nullptr;

  using observability::Span;
  std::vector<LexicalHit> lexical;
  if (options_.components != HybridOptions::Components::kVector) {
    Span span = Span::Start(query.span, "retrieval.bm25");
    auto r = lexical_->Search(p.analyzed, allowed_set, options_.candidates);
    if (!r.ok()) {
      span.Fail(r.error().message);
      return std::move(r).error();
    }
    lexical = std::move(*r);
    span.Set("retrieval.candidates", static_cast<std::int64_t>(lexical.size()));
  }
  std::vector<VectorHit> nearest;
  std::vector<float> query_vector;
  bool vectorless = false;
  {
    Span span = Span::Start(query.span, "embedding");
    span.Set("langfuse.observation.type", "embedding");
    auto v = embedder_->Embed({EmbeddingQueryText(p.analyzed)});
    if (v.ok()) {
      if (!IsZero(*v)) query_vector = std::move(*v);
    } else if (v.error().code == core::ErrorCode::kUnavailable ||
               v.error().code == core::ErrorCode::kDeadlineExceeded) {
      span.Fail(v.error().message);
      vectorless = true;  // a remote embedder is down: BM25 alone ranks
    } else {
      span.Fail(v.error().message);
      return std::move(v).error();
    }
  }
  if (options_.components != HybridOptions::Components::kLexical && !query_vector.empty()) {
    Span span = Span::Start(query.span, "retrieval.vector");
    auto r = vectors_->Search(query_vector.data(), options_.candidates, allowed_set);
    if (!r.ok()) {
      span.Fail(r.error().message);
      return std::move(r).error();
    }
    nearest = std::move(*r);
    span.Set("retrieval.candidates", static_cast<std::int64_t>(nearest.size()));
  }

  const double top_weight = lexical.empty() ? 1.0 : std::max(lexical.front().weight, 1e-9);
  const double top_similarity =
      nearest.empty() ? 1.0 : std::max<double>(nearest.front().similarity, 1e-9);
  const double lexical_share = options_.components == HybridOptions::Components::kVector ? 0.0
                               : options_.components == HybridOptions::Components::kLexical
                                   ? 1.0
                                   : 1.0 - options_.vector_weight;
  // One hit per recipe either component found: both lists, ordered by recipe, then merged.
  struct Ranked {
    std::uint32_t doc;
    bool vector;
    std::uint32_t index;  // into `lexical` or `nearest`
  };
  std::vector<Ranked> ranked;
  ranked.reserve(lexical.size() + nearest.size());
  for (std::size_t i = 0; i < lexical.size(); ++i) {
    ranked.push_back({lexical[i].doc, false, static_cast<std::uint32_t>(i)});
  }
  for (std::size_t i = 0; i < nearest.size(); ++i) {
    ranked.push_back({nearest[i].doc, true, static_cast<std::uint32_t>(i)});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.doc != b.doc ? a.doc < b.doc : a.vector < b.vector;  // BM25's share added first
  });
  hits.reserve(ranked.size());
  for (const auto& r : ranked) {
    if (hits.empty() || hits.back().recipe != r.doc) hits.push_back({r.doc, 0, false, false, {}});
    auto& e = hits.back().explain;
    const double rank = static_cast<double>(r.index) + 1;
    if (!r.vector) {
      e.lexical_rank = static_cast<int>(rank);
      e.lexical_score = lexical[r.index].weight;
      e.fused += options_.fusion == HybridOptions::Fusion::kRrf
                     ? 2.0 * lexical_share / (options_.rrf_k + rank)
                     : lexical_share * lexical[r.index].weight / top_weight;
    } else {
      e.vector_rank = static_cast<int>(rank);
      e.vector_score = nearest[r.index].similarity;
      e.fused += options_.fusion == HybridOptions::Fusion::kRrf
                     ? 2.0 * (1.0 - lexical_share) / (options_.rrf_k + rank)
                     : (1.0 - lexical_share) * std::max(0.0, e.vector_score / top_similarity);
    }
  }
  const auto by_fused = [](const Hit& a, const Hit& b) {
    if (a.explain.fused != b.explain.fused) return a.explain.fused > b.explain.fused;
    return a.recipe < b.recipe;
  };
  std::sort(hits.begin(), hits.end(), by_fused);

  // Calibrate the best candidates, then order by calibrated score (fusion breaks ties).
  hits.resize(std::min(hits.size(), std::max(kCalibrated, 2 * query.top_k)));
  std::vector<std::uint32_t> docs;
  docs.reserve(hits.size());
  for (const auto& h : hits) docs.push_back(h.recipe);
  auto coverage = lexical_->Coverage(p.analyzed, docs);
  if (!coverage.ok()) return std::move(coverage).error();
  // What a recipe ranked first by every component that ran would get.
  const double best_fused =
      (options_.fusion == HybridOptions::Fusion::kRrf ? 2.0 / (options_.rrf_k + 1.0) : 1.0) *
      ((lexical.empty() ? 0.0 : lexical_share) + (nearest.empty() ? 0.0 : 1.0 - lexical_share));
  for (std::size_t i = 0; i < hits.size(); ++i) {
    auto& h = hits[i];
    h.explain.coverage = (*coverage)[i].overall;
    h.explain.title_coverage = (*coverage)[i].title;
    if (!query_vector.empty() && h.explain.vector_rank == 0) {
      h.explain.vector_score = vectors_->Similarity(query_vector.data(), h.recipe);
    }
    // Within a coverage level: how high both components ranked it, and whether the title
    // says what was asked (the title names the dish).
    const double rank_quality = std::min(1.0, h.explain.fused / best_fused);
    const double quality =
        (1.0 - kTitleShare) * rank_quality + kTitleShare * h.explain.title_coverage;
    h.score = h.explain.coverage * (kCoverageFloor + (1.0 - kCoverageFloor) * quality);
    h.low_confidence = h.score < options_.min_score;
  }
  // A recipe with none of the query's concepts is not an answer, however close its vector.
  std::erase_if(hits, [](const Hit& h) { return h.explain.coverage <= 0; });
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return a.score > b.score; });
  if (hits.size() > query.top_k) hits.resize(query.top_k);
  for (auto& h : hits) h.vectorless = vectorless;
  return hits;
}

}  // namespace recipe_rag::retrieval
