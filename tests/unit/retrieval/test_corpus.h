// Recipes, a lexicon and index building for the retrieval tests that search a real index.
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "retrieval/index.h"
#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::testing {

// One record in the bundled corpus schema.
inline nlohmann::json Record(const std::string& id, const std::string& title,
                             const std::vector<std::string>& ingredients,
                             const std::vector<std::string>& instructions,
                             const std::vector<std::string>& tags) {
  return {{"id", id},
          {"title", title},
          {"ingredients", ingredients},
          {"instructions", instructions},
          {"tags", tags},
          {"cuisine", nullptr},
          {"source", "Test Kitchen"},
          {"url", nullptr}};
}

// `record` with a stated total time.
inline nlohmann::json Timed(nlohmann::json record, int minutes) {
  record["time_minutes"] = minutes;
  return record;
}

// A small corpus in the bundled schema. Only "Tomato Soup" has "soup" in its title; the
// stew mentions soup in its instructions only.
inline nlohmann::json SmallCorpus() {
  return nlohmann::json::array({
      Record("t-spaghetti", "Spaghetti with Tomato Sauce",
             {"1 lb. spaghetti", "2 cups stewed tomatoes", "Salt"},
             {"Boil the spaghetti in salted water until tender.", "Pour the sauce over it."},
             {"Italian", "Vegetarian"}),
      Record("t-macaroni", "Macaroni Cheese",
             {"½ lb. macaroni", "¼ lb. grated cheese", "1 pint milk"},
             {"Boil the macaroni, drain, and cover with the cheese.", "Bake until brown."},
             {"Vegetarian"}),
      Record("t-custard", "Baked Custard", {"4 eggs", "1 quart milk", "½ cup sugar"},
             {"Beat the eggs, add the milk and sugar, and bake slowly."},
             {"Puddings", "Vegetarian"}),
      Record("t-omelet", "Cheese Omelet", {"3 eggs", "2 oz. grated cheese", "1 tablespoon butter"},
             {"Beat the eggs, stir in the cheese and fry in the butter."}, {"Eggs"}),
      Record("t-stew", "Beef Stew", {"2 lbs. beef", "4 potatoes", "2 onions"},
             {"Cut the beef in pieces and simmer with the vegetables.",
              "Thinned with stock it makes a good soup."},
             {"Meat"}),
      Record("t-tomato-soup", "Tomato Soup", {"1 quart tomatoes", "1 onion", "1 pint stock"},
             {"Simmer the tomatoes with the onion, strain and add the stock."},
             {"Soups", "Vegetarian"}),
      Record("t-calfs-foot", "Calf's Foot Jelly", {"2 calf's feet", "1 lemon", "sugar"},
             {"Boil the feet slowly, strain, sweeten and flavour with lemon."}, {"Jellies"}),
      Record("t-gingerbread", "Soft Gingerbread",
             {"1 cup molasses", "2 eggs", "2 cups flour", "ginger"},
             {"Mix the molasses and the eggs, stir in the flour and ginger, and bake."}, {"Cakes"}),
  });
}

inline constexpr char kLexicon[] =
    "# test lexicon\n"
    "pasta\tmacaroni|spaghetti|vermicelli\tperiod shapes\n"
    "mac and cheese\tmacaroni cheese\tthe dish\n";

// Writes `records` and `lexicon` into `dir`, builds DIR/index and loads it with `options`.
inline core::Result<std::shared_ptr<const retrieval::LoadedIndex>> BuildAndLoadIndex(
    const std::filesystem::path& dir, const nlohmann::json& records, std::string_view lexicon,
    const retrieval::LoadOptions& options = {}) {
  WriteFile(dir / "corpus.json", records.dump());
  WriteFile(dir / "lexicon.tsv", lexicon);
  auto built = retrieval::BuildIndex({dir / "corpus.json", dir / "lexicon.tsv", dir / "index"});
  if (!built.ok()) return std::move(built).error();
  return retrieval::LoadIndex(dir / "index", options);
}

using Ids = std::vector<std::string>;

inline Ids HitIds(const retrieval::LoadedIndex& index, const std::vector<retrieval::Hit>& hits) {
  Ids ids;
  for (const auto& h : hits) {
    ids.push_back(index.recipes.at(h.recipe).id);
  }
  return ids;
}

inline bool Contains(const Ids& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace recipe_rag::testing
