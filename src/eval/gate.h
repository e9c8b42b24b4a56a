// The regression gate: compares a run's summary with a baseline (the "summary" of an earlier
// JSON report, report.h) and says whether quality dropped. Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "eval/summary.h"

namespace recipe_rag::eval {

// The overall values the gate compares; absent when the baseline has null there.
struct Baseline {
  std::optional<double> hit3;
  std::optional<double> ndcg10;
  std::optional<double> violations;
};

// Reads a baseline from JSON: a whole report ({"summary": {...}, ...}) or its "summary"
// object alone; the values are summary.overall["hit@3"], ["ndcg@10"] and ["violations"]
// (numbers or null). InvalidArgument when the text is not JSON, has no "overall" object, a
// value is neither a number nor null, or all three are null.
core::Result<Baseline> ParseBaseline(std::string_view json_text);

// Reads and parses a file (NotFound when it cannot be read; messages use the file name).
core::Result<Baseline> LoadBaseline(const std::filesystem::path& path);

struct GateResult {
  bool passed = true;
  std::vector<std::string> lines;  // one per check, e.g. "hit@3 0.7000 (baseline 0.7500, …): FAIL"
};

// Fails when overall hit@3 or nDCG@10 is more than `max_drop` below the baseline's (or
// undefined where the baseline has a value), or the violation rate is above the baseline's.
// Differences within 1e-9 count as equal. A check whose baseline value is null is skipped;
// an undefined current violation rate (nothing constrained was returned) passes.
GateResult CheckGate(const Summary& current, const Baseline& baseline, double max_drop);

}  // namespace recipe_rag::eval
