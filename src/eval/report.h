// Reports of an evaluation run: JSON (summary + per query), Markdown (the table and the
// queries, for people), and the plain-text table the command prints, laid out like the
// reference scorer's. docs/evaluation.md describes the JSON. Pure functions except
// WriteReport(); safe from many threads.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"
#include "eval/runner.h"

namespace recipe_rag::eval {

// Where a run came from, for the report's header.
struct ReportContext {
  std::string set_file;  // the query-set path as given
  std::string source;    // what answered: "index DIR (version V)" or "POST URL/v1/search"
  std::string created;   // UTC time, ISO 8601 ("2026-11-27T15:40:00Z")
};

// The report as pretty-printed JSON:
//   {"report_version":1, "created", "set_file", "source",
//    "summary": {"set", "top_k", "no_answer_threshold", "queries",
//                "overall": {"kind":"ALL","n","n_answerable","n_constrained", "<metric>": x|null
//                …}, "kinds": {"<kind>": {same as overall} …}, "no_answer":
//                {"queries","returned_nothing","passed","pass_rate"}},
//    "queries": [{"qid","kind","query","results":[{"id","score"?,"low_confidence"?}…],
//                 "top_score", "metrics": {"<metric>": x|null …}, "no_answer_pass"?} …]}
// Metric names as MetricName(); a null metric is undefined for that query or row.
std::string ReportJson(const EvalRun& run, const ReportContext& context);

// The report as Markdown: header, the table of kinds, the no-answer queries, one row per query.
std::string ReportMarkdown(const EvalRun& run, const ReportContext& context);

// The table the command prints, ending with score.py's machine-readable line
// "hit@3=… mrr=… ndcg@10=… violations=…" (4 decimals, "nan" for an undefined value).
std::string SummaryTable(const EvalRun& run);

// Writes PREFIX.json and PREFIX.md, creating PREFIX's directory when missing. Internal (with
// the file name) when a file cannot be written.
core::Status WriteReport(const EvalRun& run, const ReportContext& context,
                         const std::filesystem::path& prefix);

}  // namespace recipe_rag::eval
