#include "corpus/diet.h"

#include <algorithm>
#include <cctype>

namespace recipe_rag::corpus {
namespace {

// Words (singular) that make a recipe non-vegetarian wherever they appear.
constexpr std::string_view kMeatWords[] = {
    "meat", "beef", "veal", "mutton", "lamb", "pork", "ham", "bacon", "gammon", "sausage", "steak",
    "sirloin", "rump", "brisket", "cutlet", "chop", "loin", "tongue", "kidney", "liver",
    "sweetbread", "tripe", "giblet", "calf", "pig", "ox", "oxtail", "trotter", "venison", "hare",
    "rabbit", "suet", "lard", "lardoon", "dripping", "gelatine", "gelatin", "isinglass", "rennet",
    "chicken", "fowl", "capon", "turkey", "duck", "duckling", "goose", "pigeon", "partridge",
    "pheasant", "grouse", "quail", "woodcock", "snipe", "lark", "plover", "teal", "widgeon",
    "poultry", "game", "squab", "fish", "salmon", "cod", "codfish", "haddock", "sole", "turbot",
    "brill", "plaice", "halibut", "eel", "herring", "mackerel", "sardine", "anchovy", "anchovie",
    "trout", "whiting", "smelt", "sprat", "whitebait", "pike", "carp", "perch", "mullet", "skate",
    "bloater", "kipper", "tunny", "tuna", "shad", "bass", "flounder", "finnan", "lobster", "crab",
    "shrimp", "prawn", "oyster", "mussel", "clam", "scallop", "cockle", "crayfish", "caviare",
    "caviar", "terrapin", "turtle", "roe", "mincemeat", "forcemeat", "marrow", "glaze", "aspic",
    "consomme", "bouillon",
    // compounds and birds that the words above do not catch
    "beefsteak", "wheatear", "ortolan", "landrail", "blackcock", "moorfowl", "ptarmigan",
    "fieldfare", "rook", "dotterel", "ruff", "leveret", "boar"};

// Words that mean meat stock unless the recipe is from a vegetarian cookbook.
constexpr std::string_view kStockWords[] = {"stock", "broth", "gravy"};

// Phrases that contain a word above but are not meat; blanked out before checking.
constexpr std::string_view kAllowPhrases[] = {
    "nut meat",       "walnut meat", "pecan meat",       "almond meat",          "nut meats",
    "cocoanut meat",  "kernel meat", "vegetable oyster", "vegetable marrow",     "kidney bean",
    "salmon color",   "nut gravy",   "lamb lettuce",     "marrow fat",           "marrowfat",
    "fish kettle",    "egg plant",   "vegetable stock",  "vegetable soup stock", "vegetable broth",
    "game pie mould", "hare bell",   "lady finger",      "mock turtle bean",     "vegetable glaze"};

// Lower-case letters-only words with a light plural fold, joined by single spaces and padded
// with spaces at both ends so " word " finds whole words.
std::string Normalise(std::string_view text) {
  std::string out = " ";
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (word.size() > 3 && word.ends_with("ies")) {
      word = word.substr(0, word.size() - 3) + "y";
    } else if (word.size() > 3 && word.back() == 's' && !word.ends_with("ss")) {
      word.pop_back();
    }
    out += word;
    out += ' ';
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalpha(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (c != '\'') {
      flush();
    }
  }
  flush();
  return out;
}

bool Contains(const std::string& haystack, std::string_view word) {
  std::string needle = " ";
  needle += word;
  needle += ' ';
  return haystack.find(needle) != std::string::npos;
}

void Blank(std::string& text, std::string_view phrase) {
  const std::string needle = Normalise(phrase);  // " nut meat "
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
    text.replace(pos + 1, needle.size() - 2, std::string(needle.size() - 2, '_'));
  }
}

bool HasTag(const Recipe& r, std::string_view tag) {
  return std::any_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) {
    return t.size() == tag.size() &&
           std::equal(t.begin(), t.end(), tag.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

// Food groups for the "free" diets (singular words; Normalise folds plurals).
constexpr std::string_view kEggWords[] = {"egg", "yolk", "mayonnaise", "meringue"};
constexpr std::string_view kEggAllow[] = {"egg plant"};
constexpr std::string_view kNutWords[] = {
    "nut",    "almond", "walnut",  "pecan",  "hazelnut",  "filbert", "chestnut", "pistachio",
    "peanut", "cashew", "hickory", "brazil", "butternut", "praline", "marzipan", "macaroon"};
constexpr std::string_view kNutAllow[] = {"butternut squash"};
constexpr std::string_view kDairyWords[] = {
    "milk",   "cream",   "butter", "cheese",  "buttermilk", "curd",    "whey",
    "yogurt", "yoghurt", "ghee",   "custard", "parmesan",   "gruyere", "cheddar"};
constexpr std::string_view kDairyAllow[] = {"cream of tartar", "cocoanut milk", "coconut milk",
                                            "nut butter",      "peanut butter", "almond milk",
                                            "nut milk",        "nut cream",     "almond butter",
                                            "cocoa butter",    "butter bean",   "cocoanut cream"};

template <std::size_t N, std::size_t M>
bool ContainsAnyOf(std::string text, const std::string_view (&words)[N],
                   const std::string_view (&allowed)[M]) {
  for (auto phrase : allowed) Blank(text, phrase);
  for (auto word : words) {
    if (Contains(text, word)) return true;
  }
  return false;
}

// The recipe's ingredient lines, normalised and concatenated.
std::string IngredientText(const Recipe& recipe) {
  std::string text;
  for (const auto& line : recipe.ingredients) text += Normalise(line);
  return text;
}

// IsVegetarian() with the ingredient text already normalised.
bool IsVegetarianIngredients(const Recipe& recipe, const std::string& ingredients) {
  // The vegetarian cookbook names its substitutes after meat ("Mock Chicken Pie", "nut
  // forcemeat") and its "stock" is vegetable stock: there only the ingredient lines are
  // checked, and only for real animal products.
  const bool vegetarian_book = HasTag(recipe, "Vegetarian");
  std::string text = vegetarian_book ? std::string(" ") : Normalise(recipe.title);
  text += ingredients;
  for (auto phrase : kAllowPhrases) Blank(text, phrase);
  for (auto word : kMeatWords) {
    if (vegetarian_book && (word == "meat" || word == "forcemeat" || word == "mincemeat")) continue;
    if (Contains(text, word)) return false;
  }
  if (!vegetarian_book) {
    for (auto word : kStockWords) {
      if (Contains(text, word)) return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<std::string_view>& KnownDiets() {
  static const std::vector<std::string_view> diets = {kVegetarian, kEggFree, kNutFree, kDairyFree};
  return diets;
}

bool IsVegetarian(const Recipe& recipe) {
  return IsVegetarianIngredients(recipe, IngredientText(recipe));
}

std::vector<std::string_view> ClassifyDiets(const Recipe& recipe) {
  std::vector<std::string_view> out;
  const std::string text = IngredientText(recipe);
  if (IsVegetarianIngredients(recipe, text)) out.push_back(kVegetarian);
  if (!ContainsAnyOf(text, kEggWords, kEggAllow)) out.push_back(kEggFree);
  if (!ContainsAnyOf(text, kNutWords, kNutAllow)) out.push_back(kNutFree);
  if (!ContainsAnyOf(text, kDairyWords, kDairyAllow)) out.push_back(kDairyFree);
  return out;
}

}  // namespace recipe_rag::corpus
