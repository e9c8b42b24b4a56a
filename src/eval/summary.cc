#include "eval/summary.h"

#include <map>

namespace recipe_rag::eval {
namespace {

// score.py's report(): means over the queries in the row that have the metric, summed in
// query order.
KindRow Row(const std::string& kind, const std::vector<const QueryOutcome*>& outcomes) {
  KindRow row;
  row.kind = kind;
  row.n = static_cast<int>(outcomes.size());
  for (const auto* o : outcomes) {
    if (!o->query.relevant.empty()) ++row.n_answerable;
    if (At(o->metrics, Metric::kViolations)) ++row.n_constrained;
  }
  for (const auto metric : kAllMetrics) {
    double sum = 0;
    int count = 0;
    for (const auto* o : outcomes) {
      if (const auto& v = At(o->metrics, metric)) {
        sum += *v;
        ++count;
      }
    }
    if (count > 0) At(row.mean, metric) = sum / static_cast<double>(count);
  }
  return row;
}

}  // namespace

Summary Summarize(const std::vector<QueryOutcome>& outcomes) {
  Summary s;
  std::map<std::string, std::vector<const QueryOutcome*>> by_kind;
  std::vector<const QueryOutcome*> all;
  all.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    by_kind[o.query.kind].push_back(&o);
    all.push_back(&o);
    if (o.query.expect_empty_or_low) {
      ++s.no_answer.queries;
      if (o.results.items.empty()) ++s.no_answer.returned_nothing;
      if (o.no_answer_pass.value_or(false)) ++s.no_answer.passed;
    }
  }
  for (const auto& [kind, members] : by_kind) s.kinds.push_back(Row(kind, members));
  s.overall = Row("ALL", all);
  return s;
}

}  // namespace recipe_rag::eval
