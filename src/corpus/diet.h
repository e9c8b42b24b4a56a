// Diet tagging: which diets a recipe suits, decided from its title and ingredient lines.
//
// Vegetarian means no meat, fish, shellfish, poultry or game, and none of their by-products
// (gelatine, isinglass, suet, lard, dripping, meat stock). Period wording is handled:
// "nut meat" and "vegetable marrow" are not meat; "stock", "broth" and "gravy" count as meat
// stock unless the recipe comes from a vegetarian cookbook (tag "Vegetarian") or says
// "vegetable stock". Pure functions; safe from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corpus/recipe.h"

namespace recipe_rag::corpus {

// Diet names understood by filters. Besides vegetarian, the "free" diets exclude one food
// group by its ingredient lines: eggs (not "egg plant"), nuts (not nutmeg or cocoanut) and
// dairy (not "cream of tartar", "cocoanut milk" or "nut butter").
inline constexpr std::string_view kVegetarian = "vegetarian";
inline constexpr std::string_view kEggFree = "egg_free";
inline constexpr std::string_view kNutFree = "nut_free";
inline constexpr std::string_view kDairyFree = "dairy_free";
const std::vector<std::string_view>& KnownDiets();

// The diets `recipe` suits, from KnownDiets().
std::vector<std::string_view> ClassifyDiets(const Recipe& recipe);

// True when the ingredient lines and title contain nothing a vegetarian avoids.
bool IsVegetarian(const Recipe& recipe);

}  // namespace recipe_rag::corpus
