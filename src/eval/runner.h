// The evaluation runner: sends every query of a set to a search, scores the answers and
// summarises them. Where the ranked results come from is the caller's choice: an in-process
// retriever or a running server (http_search.h) behind one callback.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "eval/metrics.h"
#include "eval/query_set.h"
#include "eval/ranked_list.h"
#include "eval/summary.h"

namespace recipe_rag::eval {

// Returns the ranked results for `query`, at most `top_k` of them (more are cut off), best
// first. Errors end the run.
using SearchFn = std::function<core::Result<RankedList>(const std::string& query, int top_k)>;

struct RunOptions {
  int top_k = 10;  // results asked for per query, 1..10 (the metrics look at 10 at most)
  // No-answer threshold for results that carry no low-confidence flag (metrics.h
  // PassesNoAnswer); none: such a query passes only when nothing is returned.
  std::optional<double> no_answer_threshold;
  // Called after each query with (done, total); may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct EvalRun {
  std::string set_name;
  int top_k = 10;
  std::optional<double> no_answer_threshold;
  std::vector<QueryOutcome> outcomes;  // in the set's order
  Summary summary;
};

// Runs every query in order on the calling thread. `recipes` serves the constraint check;
// ids it does not know are left out of the violation rate. InvalidArgument when top_k is out
// of range; a search error is returned with the query's qid in front of its message (the
// code is the search's).
core::Result<EvalRun> RunEval(const QuerySet& set, const SearchFn& search,
                              const RecipesById& recipes, const RunOptions& options);

}  // namespace recipe_rag::eval
