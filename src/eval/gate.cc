#include "eval/gate.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace recipe_rag::eval {
namespace {

using nlohmann::json;

constexpr double kEpsilon = 1e-9;

std::string Num(std::optional<double> v) {
  if (!v) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", *v);
  return buf;
}

// A drop check (hit@3, nDCG@10): fails when current < baseline - max_drop.
void CheckDrop(const char* name, std::optional<double> current, std::optional<double> baseline,
               double max_drop, GateResult& result) {
  std::string line = std::string(name) + " " + Num(current) + " (baseline " + Num(baseline);
  if (!baseline) {
    result.lines.push_back(line + "): skipped, no baseline value");
    return;
  }
  const bool ok = current && *current >= *baseline - max_drop - kEpsilon;
  line += ", allowed drop " + Num(max_drop) + "): " + (ok ? "ok" : "FAIL");
  result.lines.push_back(line);
  if (!ok) result.passed = false;
}

}  // namespace

core::Result<Baseline> ParseBaseline(std::string_view json_text) {
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::Error::InvalidArgument("baseline: not valid JSON");
  const json* summary = &doc;
  if (doc.is_object() && doc.contains("summary")) summary = &doc["summary"];
  if (!summary->is_object() || !summary->contains("overall") ||
      !(*summary)["overall"].is_object()) {
    return core::Error::InvalidArgument(
        "baseline: expected a report or its \"summary\" object, with an \"overall\" object");
  }
  const json& overall = (*summary)["overall"];
  Baseline out;
  std::string problems;
  const auto read = [&](const char* key, std::optional<double>& slot) {
    const auto it = overall.find(key);
    if (it == overall.end() || it->is_null()) return;
    if (!it->is_number()) {
      problems += std::string(problems.empty() ? "" : "; ") + "overall." + key +
                  " must be a number or null";
      return;
    }
    slot = it->get<double>();
  };
  read("hit@3", out.hit3);
  read("ndcg@10", out.ndcg10);
  read("violations", out.violations);
  if (!problems.empty()) return core::Error::InvalidArgument("baseline: " + problems);
  if (!out.hit3 && !out.ndcg10 && !out.violations) {
    return core::Error::InvalidArgument("baseline: overall has none of hit@3, ndcg@10, violations");
  }
  return out;
}

core::Result<Baseline> LoadBaseline(const std::filesystem::path& path) {
  const auto label = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error::NotFound("baseline " + label + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  auto baseline = ParseBaseline(text.str());
  if (!baseline.ok()) {
    auto error = std::move(baseline).error();
    error.message = label + ": " + error.message;
    return error;
  }
  return baseline;
}

GateResult CheckGate(const Summary& current, const Baseline& baseline, double max_drop) {
  GateResult result;
  const auto& overall = current.overall.mean;
  CheckDrop("hit@3", At(overall, Metric::kHit3), baseline.hit3, max_drop, result);
  CheckDrop("ndcg@10", At(overall, Metric::kNdcg10), baseline.ndcg10, max_drop, result);
  const auto violations = At(overall, Metric::kViolations);
  std::string line = "violations " + Num(violations) + " (baseline " + Num(baseline.violations);
  if (!baseline.violations) {
    result.lines.push_back(line + "): skipped, no baseline value");
  } else {
    const bool ok = !violations || *violations <= *baseline.violations + kEpsilon;
    result.lines.push_back(line + ", must not rise): " + (ok ? "ok" : "FAIL"));
    if (!ok) result.passed = false;
  }
  return result;
}

}  // namespace recipe_rag::eval
