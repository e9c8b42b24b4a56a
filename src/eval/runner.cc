#include "eval/runner.h"

#include <utility>

namespace recipe_rag::eval {

core::Result<EvalRun> RunEval(const QuerySet& set, const SearchFn& search,
                              const RecipesById& recipes, const RunOptions& options) {
  if (options.top_k < 1 || options.top_k > 10) {
    return core::Error::InvalidArgument("top_k must be between 1 and 10", "top_k");
  }
  EvalRun run;
  run.set_name = set.name;
  run.top_k = options.top_k;
  run.no_answer_threshold = options.no_answer_threshold;
  run.outcomes.reserve(set.queries.size());
  for (const auto& query : set.queries) {
    auto results = search(query.query, options.top_k);
    if (!results.ok()) {
      auto error = std::move(results).error();
      error.message = query.qid + ": " + error.message;
      return error;
    }
    QueryOutcome outcome;
    outcome.query = query;
    outcome.results = std::move(*results);
    if (outcome.results.items.size() > static_cast<std::size_t>(options.top_k)) {
      outcome.results.items.resize(static_cast<std::size_t>(options.top_k));
    }
    std::vector<std::string> ids;
    ids.reserve(outcome.results.items.size());
    for (const auto& item : outcome.results.items) ids.push_back(item.id);
    outcome.metrics = ScoreQuery(query, ids, options.top_k, recipes);
    if (query.expect_empty_or_low) {
      outcome.no_answer_pass = PassesNoAnswer(outcome.results, options.no_answer_threshold);
    }
    run.outcomes.push_back(std::move(outcome));
    if (options.progress) options.progress(run.outcomes.size(), set.queries.size());
  }
  run.summary = Summarize(run.outcomes);
  return run;
}

}  // namespace recipe_rag::eval
