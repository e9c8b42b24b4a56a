// RankedList: what a search returned for one evaluation query, best first, in the terms the
// metrics need. Plain value types.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace recipe_rag::eval {

struct RankedItem {
  std::string id;                      // the recipe id
  std::optional<double> score;         // the source's score; absent when it gives none
  std::optional<bool> low_confidence;  // the source's own flag; absent when it gives none
};

struct RankedList {
  std::vector<RankedItem> items;  // best first
};

}  // namespace recipe_rag::eval
