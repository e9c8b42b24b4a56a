// Per-query retrieval metrics, computed exactly as the reference scorer (score.py) computes
// them; docs/evaluation.md gives the definitions. Pure functions; safe from many threads.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corpus/recipe.h"
#include "eval/query_set.h"
#include "eval/ranked_list.h"

namespace recipe_rag::eval {

enum class Metric { kHit1, kHit3, kHit5, kMrr10, kNdcg10, kRecall10, kViolations };
inline constexpr std::size_t kMetricCount = 7;
inline constexpr std::array<Metric, kMetricCount> kAllMetrics = {
    Metric::kHit1,   Metric::kHit3,     Metric::kHit5,      Metric::kMrr10,
    Metric::kNdcg10, Metric::kRecall10, Metric::kViolations};

// The name in reports and in score.py: "hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10",
// "recall@10", "violations".
std::string_view MetricName(Metric metric);

// One value per metric, indexed by Metric; absent where the metric is not defined for the
// query (the ranking metrics on a query with no relevant ids; violations on a query without
// constraints, or when no returned id is a known recipe).
using MetricValues = std::array<std::optional<double>, kMetricCount>;
inline std::optional<double>& At(MetricValues& v, Metric m) {
  return v[static_cast<std::size_t>(m)];
}
inline const std::optional<double>& At(const MetricValues& v, Metric m) {
  return v[static_cast<std::size_t>(m)];
}

// Recipes by id, for the constraint check. The pointers borrow from the vector given to
// IndexRecipes(), which must outlive the map.
using RecipesById = std::unordered_map<std::string, const corpus::Recipe*>;
RecipesById IndexRecipes(const std::vector<corpus::Recipe>& recipes);

// The metrics of `query` for the returned `ids` (best first; only the first `top_k` count,
// duplicates counted as returned). With grade(id) from query.relevant (0 when unlisted) and
// "relevant" meaning grade > 0:
//   hit@k      1 if one of the first k ids is relevant, else 0 (k = 1, 3, 5)
//   mrr@10     1 / rank of the first relevant id within 10; 0 when none
//   ndcg@10    Σ grade_i / log2(i + 1) over ranks i = 1..10, divided by the same sum over the
//              query's grades sorted best first (the 10 best); 0 when that is 0
//   recall@10  distinct relevant ids among the first 10 / number of listed ids
//   violations share of the returned ids found in `recipes` that break query.constraints
// The first four exist only when query.relevant is not empty.
MetricValues ScoreQuery(const EvalQuery& query, const std::vector<std::string>& ids, int top_k,
                        const RecipesById& recipes);

// The first score in `results` (score.py's top_score); absent when no item has one.
std::optional<double> TopScore(const RankedList& results);

// Whether a no-answer query passes: nothing returned, or the top result flagged low
// confidence. When the top result carries no flag, its score is compared instead: it passes
// when a `threshold` is given and the first score is below it.
bool PassesNoAnswer(const RankedList& results, std::optional<double> threshold);

}  // namespace recipe_rag::eval
