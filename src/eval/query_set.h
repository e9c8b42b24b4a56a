// Query sets for offline retrieval evaluation (docs/evaluation.md, eval/README.md).
//
// A query set is JSONL: one object per line, blank lines ignored.
//   {"qid": "d01", "query": "vegetarian pasta recipes", "kind": "dish", "rule": "…",
//    "relevant": {"fulton-0169": 2, "farmer-0116": 1},
//    "constraints": {"name": "vegetarian", "field": "ingredients", "exclude_words": […], …},
//    "expect_empty_or_low": true}
// Required: "qid" (non-empty string, unique in the file), "query" (string, not blank), "kind"
// (non-empty string), "relevant" (object of recipe id → grade, a number ≥ 0; may be empty).
// Optional: "rule" (string), "constraints" (object, below), "expect_empty_or_low" (bool).
// Other members are ignored, as the reference scorer ignores them.
//
// A constraint object: "name" (string), "field" ("ingredients" by default, or "instructions",
// "tags", "title"), "exclude_words", "allow_phrases", "ambiguous_words", "title_words" (arrays
// of strings; each phrase must contain at least one word after normalisation, text_match.h),
// "ambiguous_ok_if_tag" (string). Parsing is pure and thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace recipe_rag::eval {

// Which recipes break a query's condition; see constraint_check.h for the rule.
struct Constraint {
  std::string name;                          // "vegetarian", "no_egg", … (reports only)
  std::string field = "ingredients";         // the recipe field whose items are checked
  std::vector<std::string> exclude_words;    // any of these phrases in an item breaks it
  std::vector<std::string> allow_phrases;    // blanked out first ("cream of tartar")
  std::vector<std::string> ambiguous_words;  // break it unless the recipe has the tag below
  std::string ambiguous_ok_if_tag;           // "" = none
  std::vector<std::string> title_words;      // the title is checked too (unless tagged ok)
};

struct EvalQuery {
  std::string qid;
  std::string query;  // sent to the search exactly as written
  std::string kind;   // dish | ingredient | constraint | paraphrase | misspelling | no_answer | …
  std::string rule;   // how the labels were chosen, for people
  std::map<std::string, double> relevant;  // recipe id → grade (2 clear, 1 acceptable)
  std::optional<Constraint> constraints;   // absent, or an object with at least one member
  bool expect_empty_or_low = false;        // a no-answer query
  int line = 0;                            // 1-based line in the file
};

struct QuerySet {
  std::string name;                // the file's stem ("dev" for dev.jsonl)
  std::vector<EvalQuery> queries;  // file order
};

// Parses a query set held in memory; `name` labels the set and prefixes error lines.
// InvalidArgument listing every problem, one per line, as "NAME:LINE: …" (at most 20, then
// the total count): a line that is not JSON or not an object, a missing or mistyped member,
// a duplicate qid, a phrase without words. An empty set is an error too.
core::Result<QuerySet> ParseQuerySet(std::string_view jsonl, std::string_view name);

// Reads and parses a file; the set's name is the file's stem. NotFound when it cannot be
// read; otherwise as ParseQuerySet(), with the file name in the messages.
core::Result<QuerySet> LoadQuerySet(const std::filesystem::path& path);

}  // namespace recipe_rag::eval
