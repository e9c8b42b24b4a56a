#include "corpus/diet.h"

#include <algorithm>
#include <cctype>
#include <span>
#include <utility>

namespace recipe_rag::corpus {
namespace {

// Food words (singular, as Normalise() folds them) that put a recipe outside a diet, and
// phrases containing such words that do not: the phrases are blanked out before the words are
// looked for. Multi-word entries match consecutive words within one line.
struct FoodGroup {
  std::span<const std::string_view> words;
  std::span<const std::string_view> allowed;
};

// Meat, fish, shellfish, poultry, game and their by-products, wherever they appear.
constexpr std::string_view kMeatWords[] = {
    "beef", "veal", "mutton", "lamb", "pork", "ham", "bacon", "gammon", "sausage", "steak",
    "sirloin", "rump", "brisket", "cutlet", "chop", "loin", "tongue", "kidney", "liver",
    "sweetbread", "tripe", "giblet", "calf", "pig", "sheep", "ox", "oxtail", "trotter", "bone",
    "venison", "hare", "rabbit", "suet", "lard", "lardoon", "dripping", "gelatine", "gelatin",
    "isinglass", "rennet", "chicken", "fowl", "capon", "turkey", "duck", "duckling", "goose",
    "pigeon", "partridge", "pheasant", "grouse", "quail", "woodcock", "snipe", "lark", "plover",
    "teal", "widgeon", "poultry", "game", "squab", "fish", "salmon", "cod", "codfish", "haddock",
    "sole", "turbot", "brill", "plaice", "halibut", "eel", "herring", "mackerel", "sardine",
    "anchovy", "anchovie", "trout", "whiting", "smelt", "sprat", "whitebait", "pike", "carp",
    "perch", "mullet", "skate", "bloater", "kipper", "tunny", "tuna", "shad", "bass", "flounder",
    "finnan", "lobster", "crab", "shrimp", "prawn", "oyster", "mussel", "clam", "scallop", "cockle",
    "crayfish", "caviare", "caviar", "terrapin", "turtle", "roe", "marrow", "glaze", "aspic",
    "consomme", "bouillon", "cow heel", "udder",
    // compounds and birds that the words above do not catch
    "beefsteak", "wheatear", "ortolan", "landrail", "blackcock", "moorfowl", "ptarmigan",
    "fieldfare", "rook", "dotterel", "ruff", "leveret", "boar"};
// Phrases that contain a word above but are not meat.
constexpr std::string_view kMeatAllow[] = {
    "nut meat",       "walnut meat", "pecan meat",       "almond meat",          "nut meats",
    "cocoanut meat",  "kernel meat", "vegetable oyster", "vegetable marrow",     "kidney bean",
    "salmon color",   "nut gravy",   "lamb lettuce",     "marrow fat",           "marrowfat",
    "fish kettle",    "egg plant",   "vegetable stock",  "vegetable soup stock", "vegetable broth",
    "game pie mould", "hare bell",   "lady finger",      "mock turtle bean",     "vegetable glaze"};
// Words that mean meat, mincemeat or meat stock except in the vegetarian cookbook, whose
// substitutes keep their meat names ("nut forcemeat") and whose stock is vegetable stock.
constexpr std::string_view kMeatNameWords[] = {"meat",  "forcemeat", "mincemeat",
                                               "stock", "broth",     "gravy"};
constexpr FoodGroup kMeat{kMeatWords, kMeatAllow};
constexpr FoodGroup kMeatNames{kMeatNameWords, kMeatAllow};

constexpr std::string_view kEggWords[] = {"egg",      "yolk",    "mayonnaise",
                                          "meringue", "custard", "hollandaise"};
constexpr std::string_view kEggAllow[] = {"egg plant",
                                          "size of an egg",
                                          "size of a small egg",
                                          "size of a large egg",
                                          "size of a hen egg",
                                          "as large as an egg",
                                          "egg size"};
constexpr FoodGroup kEgg{kEggWords, kEggAllow};

constexpr std::string_view kNutWords[] = {
    "nut",     "almond", "walnut",     "pecan",  "hazelnut",  "filbert", "chestnut", "pistachio",
    "peanut",  "cashew", "hickory",    "brazil", "butternut", "praline", "marzipan", "macaroon",
    "ratafia", "nougat", "frangipane", "orgeat", "nuttolene", "protose"};
constexpr std::string_view kNutAllow[] = {"butternut squash",     "nut of butter",
                                          "size of a nut",        "size of a walnut",
                                          "as large as a walnut", "as big as a walnut"};
constexpr FoodGroup kNut{kNutWords, kNutAllow};

constexpr std::string_view kDairyWords[] = {
    "milk",    "cream",   "butter",  "buttered", "cheese",      "buttermilk", "curd",
    "whey",    "yogurt",  "yoghurt", "ghee",     "custard",     "junket",     "parmesan",
    "gruyere", "cheddar", "stilton", "dairy",    "white sauce", "bechamel",   "hard sauce"};
constexpr std::string_view kDairyAllow[] = {
    "cream of tartar", "creme of tartar", "cocoanut milk",  "coconut milk",   "nut butter",
    "peanut butter",   "almond milk",     "milk of almond", "nut milk",       "nut cream",
    "almond butter",   "cocoa butter",    "butter bean",    "cocoanut cream", "coconut cream"};
constexpr FoodGroup kDairy{kDairyWords, kDairyAllow};

// Wheat, rye, barley and oats (oats for cross-contamination), and what is made of them.
constexpr std::string_view kGlutenWords[] = {
    // grains, meals and flours
    "wheat", "flour", "semolina", "farina", "barley", "rye", "oat", "oatmeal", "groat", "porridge",
    "bran", "malt", "malted", "graham", "arlington", "spelt", "durum", "couscous", "bulgur",
    "bulghur", "seitan", "gluten", "cereal", "granola", "granose", "kroup",
    // bread, biscuits and cakes
    "bread", "breadcrumb", "crumb", "crust", "loaf", "roll", "toast", "crouton", "sippet",
    "zwieback", "rusk", "rasping", "cracker", "saltine", "biscuit", "cookie", "cooky", "wafer",
    "zephyrette", "lady finger", "ladyfinger", "cake", "sponge", "shortbread", "gingerbread",
    "muffin", "bun", "scone", "pancake", "waffle", "crumpet", "pretzel", "panko", "plum pudding",
    // pasta, pastry, batters and thickenings
    "macaroni", "spaghetti", "vermicelli", "noodle", "pasta", "ravioli", "lasagne", "lasagna",
    "gnocchi", "dumpling", "pastry", "paste", "dough", "batter", "roux", "thickening", "panada",
    "white sauce", "bechamel", "veloute", "espagnole", "brown sauce", "forcemeat", "force meat",
    "stuffing", "vol au vent", "patty case",
    // brewed and fermented with grain
    "beer", "ale", "stout", "porter", "lager", "brewer yeast", "soy", "soya", "worcestershire",
    "harvey sauce", "protose"};
// Words that name a wheaten food outright, looked for in titles too ("Cheese Souffle with
// Pastry", "Prune Whipped Toast"). Shapes and textures ("Cocoanut Cakes", "Lemon Sponge",
// "Almond Paste") are left to the ingredient lines.
constexpr std::string_view kGlutenTitleWords[] = {
    "wheat",       "flour",      "semolina",   "barley",  "rye",    "oat",     "oatmeal",
    "bran",        "malt",       "graham",     "bread",   "toast",  "crust",   "pastry",
    "macaroni",    "spaghetti",  "vermicelli", "noodle",  "pasta",  "ravioli", "dumpling",
    "pancake",     "muffin",     "scone",      "crumpet", "waffle", "rusk",    "cracker",
    "gingerbread", "shortbread", "beer",       "ale"};
// Flours and starches without gluten, and words that only contain a gluten word.
constexpr std::string_view kGlutenAllow[] = {
    "rice flour",     "corn flour",    "maize flour",     "potato flour",     "arrowroot flour",
    "tapioca flour",  "sago flour",    "buckwheat flour", "buck wheat flour", "buck wheat",
    "chestnut flour", "almond flour",  "nut flour",       "coconut flour",    "soy flour",
    "soya flour",     "pea flour",     "bean flour",      "chickpea flour",   "gram flour",
    "millet flour",   "sorghum flour", "soy bean",        "soya bean",        "yeast cake",
    "cake of yeast",  "loaf sugar",    "sugar loaf",      "almond paste",     "tomato paste",
    "anchovy paste",  "ginger ale",    "ginger beer",     "root beer",        "bread fruit",
    "barley sugar",   "corn bread"};
constexpr FoodGroup kGluten{kGlutenWords, kGlutenAllow};
constexpr FoodGroup kGlutenTitle{kGlutenTitleWords, kGlutenAllow};

// Animal products a vegan avoids that are neither meat, eggs nor dairy.
constexpr std::string_view kAnimalProductWords[] = {"honey", "honeycomb", "cochineal", "carmine"};
constexpr FoodGroup kAnimalProduct{kAnimalProductWords, {}};

// Letters for a code point in U+00C0..U+00FF or U+0152/U+0153 (œ), accents dropped; empty for
// any other code point.
std::string_view FoldLetter(unsigned code) {
  // U+00C0..U+00DF and U+00E0..U+00FF share one row; the places of Æ, ×, Þ and ß are taken
  // by the cases below.
  constexpr std::string_view kLatin1 = "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
  switch (code) {
    case 0xC6:
    case 0xE6:
      return "ae";
    case 0xDE:
    case 0xFE:
      return "th";
    case 0xDF:
      return "ss";
    case 0x152:
    case 0x153:
      return "oe";
    case 0xD7:
    case 0xF7:
      return "";
    default:
      break;
  }
  if (code < 0xC0 || code > 0xFF) return "";
  return kLatin1.substr((code - 0xC0) % 32, 1);
}

// Irregular plurals and their singulars.
constexpr std::pair<std::string_view, std::string_view> kIrregularPlurals[] = {
    {"calves", "calf"},  {"halves", "half"}, {"loaves", "loaf"}, {"leaves", "leaf"},
    {"knives", "knife"}, {"wolves", "wolf"}, {"geese", "goose"}, {"teeth", "tooth"},
    {"feet", "foot"},    {"mice", "mouse"}};

// A light plural fold: "cherries" → "cherry", "tomatoes" → "tomato", "radishes" → "radish",
// "eggs" → "egg", "calves" → "calf"; "glass", "asparagus" and words of three letters stay.
void Singularise(std::string& w) {
  for (const auto& [plural, singular] : kIrregularPlurals) {
    if (w == plural) {
      w = singular;
      return;
    }
  }
  if (w.size() <= 3) return;
  if (w.size() > 4 && w.ends_with("ies")) {
    w.replace(w.size() - 3, 3, "y");
  } else if (w.ends_with("oes") || w.ends_with("ches") || w.ends_with("shes") ||
             w.ends_with("xes") || w.ends_with("sses") || w.ends_with("zes")) {
    w.resize(w.size() - 2);
  } else if (w.back() == 's' && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is")) {
    w.pop_back();
  }
}

// Lower-case words of letters, accents dropped ("consommé" → "consomme"), plurals folded,
// joined by single spaces and padded with spaces at both ends so " word " finds whole words.
// Apostrophes split words and a lone "s" is dropped: "sheep's" → "sheep".
std::string Normalise(std::string_view text) {
  std::string out = " ";
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "s") {
      Singularise(word);
      out += word;
      out += ' ';
    }
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (std::isalpha(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF && i + 1 < text.size()) {  // two-byte UTF-8 sequence
      const auto next = static_cast<unsigned char>(text[i + 1]);
      const auto letters = FoldLetter(((c & 0x1Fu) << 6) | (next & 0x3Fu));
      ++i;
      if (!letters.empty()) {
        word += letters;
        continue;
      }
    }
    flush();
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

// True when normalised `text` names a food of `group` once its allowed phrases are blanked.
bool Mentions(std::string text, const FoodGroup& group) {
  for (auto phrase : group.allowed) Blank(text, phrase);
  return std::any_of(group.words.begin(), group.words.end(),
                     [&](std::string_view word) { return Contains(text, word); });
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
  if (HasTag(recipe, "Vegetarian")) return !Mentions(ingredients, kMeat);
  const std::string text = Normalise(recipe.title) + ingredients;
  return !Mentions(text, kMeat) && !Mentions(text, kMeatNames);
}

}  // namespace

const std::vector<std::string_view>& KnownDiets() {
  static const std::vector<std::string_view> diets = {kVegetarian, kVegan,     kEggFree,
                                                      kNutFree,    kDairyFree, kGlutenFree};
  return diets;
}

bool IsVegetarian(const Recipe& recipe) {
  return IsVegetarianIngredients(recipe, IngredientText(recipe));
}

std::vector<std::string_view> ClassifyDiets(const Recipe& recipe) {
  std::vector<std::string_view> out;
  const std::string text = IngredientText(recipe);
  const bool vegetarian = IsVegetarianIngredients(recipe, text);
  const bool egg_free = !Mentions(text, kEgg);
  const bool dairy_free = !Mentions(text, kDairy);
  if (vegetarian) out.push_back(kVegetarian);
  if (vegetarian && egg_free && dairy_free && !Mentions(text, kAnimalProduct)) {
    out.push_back(kVegan);
  }
  if (egg_free) out.push_back(kEggFree);
  if (!Mentions(text, kNut)) out.push_back(kNutFree);
  if (dairy_free) out.push_back(kDairyFree);
  if (!Mentions(text, kGluten) && !Mentions(Normalise(recipe.title), kGlutenTitle)) {
    out.push_back(kGlutenFree);
  }
  return out;
}

}  // namespace recipe_rag::corpus
