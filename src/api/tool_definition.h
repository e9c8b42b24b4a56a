// The search_corpus tool definition, verbatim in meaning from the runbook.
#pragma once

#include <nlohmann/json.hpp>

namespace recipe_rag::api {

// {"name":"search_corpus","description":…,"parameters":{JSON Schema}}
const nlohmann::json& SearchCorpusDefinition();

}  // namespace recipe_rag::api
