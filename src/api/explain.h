// JSON for "explain": what the service understood from a query and how each hit was found.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "retrieval/retriever.h"

namespace recipe_rag::api {

// {"concepts":[…], "expansions":[…], "corrections":[{"typed":…,"corrected":…}],
//  "filters":{"diet":[…], "tags":[…], "include_ingredients":[…], "exclude_ingredients":[…],
//  "max_total_minutes": n|null}}
nlohmann::json InterpretationJson(const retrieval::Interpretation& interpretation);

// {"bm25":{"rank":r|null,"score":s|null}, "vector":{"rank":r|null,"cosine":c},
//  "fused":f, "coverage":c}
nlohmann::json HitExplainJson(const retrieval::Hit& hit);

}  // namespace recipe_rag::api
