// How the API writes JSON: one serialisation and one score rounding for every endpoint.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace recipe_rag::api {

// Compact JSON; invalid UTF-8 in a value is replaced rather than thrown on.
inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Scores as responses show them: four decimals.
inline double RoundScore(double s) { return std::round(s * 10000.0) / 10000.0; }

}  // namespace recipe_rag::api
