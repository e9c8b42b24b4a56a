#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "eval/constraint_check.h"

namespace recipe_rag::eval {
namespace {

double Grade(const EvalQuery& query, const std::string& id) {
  const auto it = query.relevant.find(id);
  return it == query.relevant.end() ? 0.0 : it->second;
}

// Discounted cumulative gain of grades in rank order (rank i, from 1, discounted by log2(i+1)).
double Dcg(const std::vector<double>& gains) {
  double sum = 0;
  for (std::size_t i = 0; i < gains.size(); ++i) {
    sum += gains[i] / std::log2(static_cast<double>(i) + 2.0);
  }
  return sum;
}

}  // namespace

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kHit1:
      return "hit@1";
    case Metric::kHit3:
      return "hit@3";
    case Metric::kHit5:
      return "hit@5";
    case Metric::kMrr10:
      return "mrr@10";
    case Metric::kNdcg10:
      return "ndcg@10";
    case Metric::kRecall10:
      return "recall@10";
    case Metric::kViolations:
      return "violations";
  }
  return "?";
}

RecipesById IndexRecipes(const std::vector<corpus::Recipe>& recipes) {
  RecipesById out;
  out.reserve(recipes.size());
  for (const auto& r : recipes) out.emplace(r.id, &r);
  return out;
}

MetricValues ScoreQuery(const EvalQuery& query, const std::vector<std::string>& all_ids, int top_k,
                        const RecipesById& recipes) {
  const std::size_t k = static_cast<std::size_t>(std::max(0, top_k));
  const std::vector<std::string> ids(
      all_ids.begin(), all_ids.begin() + static_cast<std::ptrdiff_t>(std::min(k, all_ids.size())));
  const std::size_t first10 = std::min<std::size_t>(10, ids.size());
  MetricValues m;
  if (!query.relevant.empty()) {
    const auto hit_within = [&](std::size_t n) {
      for (std::size_t i = 0; i < std::min(n, ids.size()); ++i) {
        if (Grade(query, ids[i]) > 0) return 1.0;
      }
      return 0.0;
    };
    At(m, Metric::kHit1) = hit_within(1);
    At(m, Metric::kHit3) = hit_within(3);
    At(m, Metric::kHit5) = hit_within(5);
    double rr = 0;
    for (std::size_t i = 0; i < first10; ++i) {
      if (Grade(query, ids[i]) > 0) {
        rr = 1.0 / static_cast<double>(i + 1);
        break;
      }
    }
    At(m, Metric::kMrr10) = rr;

    std::vector<double> gains;
    for (std::size_t i = 0; i < first10; ++i) gains.push_back(Grade(query, ids[i]));
    std::vector<double> ideal;
    for (const auto& [id, grade] : query.relevant) ideal.push_back(grade);
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    if (ideal.size() > 10) ideal.resize(10);
    const double ideal_dcg = Dcg(ideal);
    At(m, Metric::kNdcg10) = ideal_dcg > 0 ? Dcg(gains) / ideal_dcg : 0.0;

    std::set<std::string> found;
    for (std::size_t i = 0; i < first10; ++i) {
      if (Grade(query, ids[i]) > 0) found.insert(ids[i]);
    }
    At(m, Metric::kRecall10) =
        static_cast<double>(found.size()) / static_cast<double>(query.relevant.size());
  }
  if (query.constraints && !ids.empty()) {
    const ConstraintCheck check(*query.constraints);
    std::size_t known = 0;
    std::size_t violating = 0;
    for (const auto& id : ids) {
      const auto it = recipes.find(id);
      if (it == recipes.end()) continue;
      ++known;
      if (check.Violates(*it->second)) ++violating;
    }
    if (known > 0) {
      At(m, Metric::kViolations) = static_cast<double>(violating) / static_cast<double>(known);
    }
  }
  return m;
}

std::optional<double> TopScore(const RankedList& results) {
  for (const auto& item : results.items) {
    if (item.score) return item.score;
  }
  return std::nullopt;
}

bool PassesNoAnswer(const RankedList& results, std::optional<double> threshold) {
  if (results.items.empty()) return true;
  if (const auto flag = results.items.front().low_confidence) return *flag;
  const auto top = TopScore(results);
  return threshold && top && *top < *threshold;
}

}  // namespace recipe_rag::eval
