// Diet tagging: which diets a recipe suits, decided from its title and ingredient lines.
//
// Words are matched whole, case-insensitively, with accents dropped ("consommé" = "consomme"),
// plurals folded ("anchovies" = "anchovy", "calves" = "calf") and possessives split ("sheep's"
// = "sheep"). Phrases that only look like a food are blanked out before the words are looked
// for ("egg plant" is not egg). The lists below are the contract; diet.cc holds them verbatim.
// Pure functions; safe from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corpus/recipe.h"

namespace recipe_rag::corpus {

// Diet names understood by filters, in KnownDiets() order.
//
// vegetarian: no meat, fish, shellfish, poultry or game (beef, veal, mutton, lamb, pork, ham,
//   bacon, sausage, steak, chop, kidney, liver, tongue, tripe, calf, pig, sheep, ox, cow heel,
//   udder, bone, venison, hare, rabbit, chicken, fowl, turkey, duck, goose and the game birds,
//   fish, salmon, cod, anchovy, herring, eel and the other fish, lobster, crab, shrimp, oyster,
//   mussel, scallop, turtle, roe, caviare), and none of their by-products (suet, lard, dripping,
//   gelatine, isinglass, rennet, marrow, glaze, aspic, consommé, bouillon), in the title or
//   the ingredient lines. "meat", "forcemeat", "mincemeat", "stock", "broth" and "gravy" count
//   too, except in the vegetarian cookbook (tag "Vegetarian"), where only the ingredient lines
//   are checked and only for real animal products. Not meat: "nut meat", "vegetable marrow",
//   "vegetable oyster", "kidney bean", "vegetable stock", "lamb lettuce", "egg plant".
inline constexpr std::string_view kVegetarian = "vegetarian";
// vegan: vegetarian, egg_free and dairy_free, and no honey, honeycomb, cochineal or carmine.
inline constexpr std::string_view kVegan = "vegan";
// egg_free, nut_free and dairy_free check the ingredient lines only.
// egg_free: no egg, yolk, mayonnaise, meringue, custard or hollandaise. Not egg: "egg plant",
//   "size of an egg" (and "egg size", "as large as an egg").
inline constexpr std::string_view kEggFree = "egg_free";
// nut_free: no nut, almond, walnut, pecan, hazelnut, filbert, chestnut, pistachio, peanut,
//   cashew, hickory, brazil, butternut, praline, marzipan, macaroon, ratafia, nougat,
//   frangipane, orgeat, nuttolene or protose (nut meats of the vegetarian cookbook). Not a nut:
//   nutmeg, doughnut, cocoanut, "butternut squash", "nut of butter", "size of a walnut".
inline constexpr std::string_view kNutFree = "nut_free";
// dairy_free: no milk, cream, butter, buttered, buttermilk, cheese (parmesan, gruyère,
//   cheddar, stilton), curd, whey, yogurt, ghee, custard, junket, white sauce, béchamel, hard
//   sauce or "dairy". Not dairy: "cream of tartar", "cocoanut milk"/"coconut milk", "coconut
//   cream", "nut butter", "peanut butter", "almond milk"/"milk of almonds", "nut milk", "nut
//   cream", "almond butter", "cocoa butter", "butter bean".
inline constexpr std::string_view kDairyFree = "dairy_free";
// gluten_free: no wheat, rye, barley or oats (oats for cross-contamination) in any form.
//   Ingredient lines: wheat, flour, semolina, farina, barley, rye, oat, oatmeal, groats,
//   porridge, bran, malt, malted, graham, Arlington meal, spelt, durum, couscous, bulgur,
//   seitan, gluten, cereal, granola, granose, manna kroup; bread, bread crumbs, crumbs,
//   raspings, crust, loaf, roll, toast, croutons, sippets, zwieback, rusks, crackers, saltines,
//   biscuits, cookies, wafers, lady fingers, cake, sponge, shortbread, gingerbread, muffins,
//   buns, scones, pancakes, waffles, crumpets, pretzels, panko, plum pudding; macaroni,
//   spaghetti, vermicelli, noodles, pasta, ravioli, lasagne, gnocchi, dumplings, pastry, paste
//   ("puff paste"), dough, batter, roux, thickening, panada, white sauce, béchamel, velouté,
//   espagnole, brown sauce, forcemeat, stuffing, vol-au-vent, patty cases; beer, ale, stout,
//   porter, lager, brewer's yeast, soy/soya (sauce), Worcestershire and Harvey's sauce, protose.
//   Titles, for words that name a wheaten food outright: wheat, flour, semolina, barley, rye,
//   oat, oatmeal, bran, malt, graham, bread, toast, crust, pastry, macaroni, spaghetti,
//   vermicelli, noodle, pasta, ravioli, dumpling, pancake, muffin, scone, crumpet, waffle, rusk,
//   cracker, gingerbread, shortbread, beer, ale ("Cocoanut Cakes" and "Lemon Sponge" are left
//   to their ingredient lines).
//   Gluten-free: rice, corn (corn flour, cornflour, corn meal), maize, potato, arrowroot,
//   tapioca, sago, buckwheat, chestnut, almond, nut, coconut, soy, pea, bean, chickpea, gram,
//   millet and sorghum flours; buckwheat (not wheat; "cream of wheat" is); "yeast cake";
//   "loaf sugar"; almond, tomato and anchovy paste; ginger ale, ginger beer, root beer;
//   breadfruit; barley sugar; corn bread.
inline constexpr std::string_view kGlutenFree = "gluten_free";
const std::vector<std::string_view>& KnownDiets();

// The diets `recipe` suits, in KnownDiets() order.
std::vector<std::string_view> ClassifyDiets(const Recipe& recipe);

// True when the ingredient lines and title contain nothing a vegetarian avoids.
bool IsVegetarian(const Recipe& recipe);

}  // namespace recipe_rag::corpus
