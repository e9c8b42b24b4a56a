#include "api/explain.h"

#include <cmath>

namespace recipe_rag::api {
namespace {

double Round(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

nlohmann::json InterpretationJson(const retrieval::Interpretation& in) {
  nlohmann::json corrections = nlohmann::json::array();
  for (const auto& [typed, corrected] : in.corrections) {
    corrections.push_back({{"typed", typed}, {"corrected", corrected}});
  }
  const auto& f = in.filters;
  return {{"concepts", in.concepts},
          {"expansions", in.expansions},
          {"corrections", corrections},
          {"filters",
           {{"diet", f.diets},
            {"tags", f.tags},
            {"include_ingredients", f.include_ingredients},
            {"exclude_ingredients", f.exclude_ingredients},
            {"max_total_minutes", f.max_total_minutes ? nlohmann::json(*f.max_total_minutes)
                                                      : nlohmann::json(nullptr)}}}};
}

nlohmann::json HitExplainJson(const retrieval::Hit& hit) {
  const auto& e = hit.explain;
  const auto rank = [](int r) { return r > 0 ? nlohmann::json(r) : nlohmann::json(nullptr); };
  return {{"bm25",
           {{"rank", rank(e.lexical_rank)},
            {"score", e.lexical_rank > 0 ? nlohmann::json(Round(e.lexical_score, 1e4))
                                         : nlohmann::json(nullptr)}}},
          {"vector", {{"rank", rank(e.vector_rank)}, {"cosine", Round(e.vector_score, 1e4)}}},
          {"fused", Round(e.fused, 1e6)},
          {"coverage", Round(e.coverage, 1e4)}};
}

}  // namespace recipe_rag::api
