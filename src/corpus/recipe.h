// Recipe: one record of a recipe corpus file (data/recipes/*.json), as validated by the loader.
//
// Both bundled files share one schema (data/recipes/ATTRIBUTION.md). A Recipe produced by
// ParseCorpus()/LoadCorpusFile() satisfies every field contract below; a Recipe built by hand
// is only as good as its builder. Plain value type; no thread-safety concerns of its own.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace recipe_rag::corpus {

struct Recipe {
  // Stable identifier, unique within its file; never empty. The prefix names the source
  // ("farmer-0001", "beeton-0013", "allrecipes-12345"). Callers may use it as a key.
  std::string id;
  // Display title; never blank (not empty after trimming ASCII whitespace). Kept verbatim.
  std::string title;
  // Ingredient lines, in book order; at least one. Items are split heuristically by the
  // normalisation script, so one item may still name two ingredients.
  std::vector<std::string> ingredients;
  // Method paragraphs, one string per paragraph. Non-empty in recipe_data.json; always empty in
  // recipe_data_large.json, whose source has no instructions (LoadOptions::require_instructions).
  std::vector<std::string> instructions;
  // Subject labels (book chapter, section, or country); may be empty.
  std::vector<std::string> tags;
  // Cuisine/country label ("Italian", "Tex-Mex"); absent when the source gives none (always
  // absent for the historical cookbooks).
  std::optional<std::string> cuisine;
  // Human-readable citation of the source; "" when the record has none.
  std::string source;
  // Link to the original recipe; absent for the public-domain books (see ATTRIBUTION.md).
  std::optional<std::string> url;
  // Total time in minutes (> 0), only when the source states a single value (404 of the
  // cookbook records); absent otherwise.
  std::optional<int> time_minutes;
  // Every other field of the record, kept verbatim as a JSON object (for example
  // "recipe_number", "time_text", "rating", "calories", "prep_time_minutes"). An empty object
  // when there are none. Never holds one of the named fields above.
  nlohmann::json extra = nlohmann::json::object();
};

// The record as JSON in the corpus schema: every named field, with "cuisine" and "url" null when
// absent and "time_minutes" only when present, plus the members of `extra` (an `extra` that is
// not an object is ignored; a named field wins over an `extra` member of the same name).
// ParseCorpus() of the result yields an equal Recipe. Only std::bad_alloc can escape.
nlohmann::json ToJson(const Recipe& recipe);

}  // namespace recipe_rag::corpus
