#include "corpus/recipe.h"

namespace recipe_rag::corpus {

nlohmann::json ToJson(const Recipe& recipe) {
  nlohmann::json out = recipe.extra.is_object() ? recipe.extra : nlohmann::json::object();
  out["id"] = recipe.id;
  out["title"] = recipe.title;
  out["ingredients"] = recipe.ingredients;
  out["instructions"] = recipe.instructions;
  out["tags"] = recipe.tags;
  out["cuisine"] = recipe.cuisine ? nlohmann::json(*recipe.cuisine) : nlohmann::json(nullptr);
  out["source"] = recipe.source;
  out["url"] = recipe.url ? nlohmann::json(*recipe.url) : nlohmann::json(nullptr);
  if (recipe.time_minutes) {
    out["time_minutes"] = *recipe.time_minutes;
  } else {
    out.erase("time_minutes");
  }
  return out;
}

}  // namespace recipe_rag::corpus
