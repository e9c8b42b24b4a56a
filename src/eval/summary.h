// Summary: per-kind and overall averages of the per-query metrics, and the no-answer queries
// apart, as the reference scorer (score.py) reports them. Pure functions; safe from many threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "eval/query_set.h"
#include "eval/ranked_list.h"

namespace recipe_rag::eval {

// One query of a run: what came back and how it scored.
struct QueryOutcome {
  EvalQuery query;
  RankedList results;                  // at most top_k items
  MetricValues metrics;                // ScoreQuery() of the results' ids
  std::optional<bool> no_answer_pass;  // PassesNoAnswer(); only on expect_empty_or_low queries
};

// A row of the table: the queries of one kind, or of all kinds ("ALL").
struct KindRow {
  std::string kind;
  int n = 0;              // queries
  int n_answerable = 0;   // queries with relevant ids
  int n_constrained = 0;  // queries with a violations value
  // Mean of each metric over the row's queries that have it; absent when none has it.
  MetricValues mean;
};

struct NoAnswerSummary {
  int queries = 0;           // expect_empty_or_low queries
  int returned_nothing = 0;  // of those, answered with no results
  int passed = 0;            // of those, passing PassesNoAnswer()
};

struct Summary {
  std::vector<KindRow> kinds;  // one per kind, sorted by name (byte order)
  KindRow overall;             // every query; kind "ALL"
  NoAnswerSummary no_answer;
};

Summary Summarize(const std::vector<QueryOutcome>& outcomes);

}  // namespace recipe_rag::eval
