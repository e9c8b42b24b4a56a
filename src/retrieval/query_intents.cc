#include "retrieval/query_intents.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>
#include <span>
#include <system_error>

namespace recipe_rag::retrieval {
namespace {

// English function words plus words that say "recipe" without saying which one.
constexpr std::string_view kStopwords[] = {
    "a",    "about",   "an",        "and",     "any",  "are",    "as",     "at",      "be",
    "can",  "dish",    "dishes",    "do",      "for",  "from",   "give",   "good",    "have",
    "how",  "i",       "idea",      "ideas",   "in",   "is",     "it",     "make",    "me",
    "my",   "need",    "of",        "on",      "or",   "please", "recipe", "recipes", "show",
    "so",   "some",    "something", "that",    "the",  "there",  "this",   "to",      "using",
    "want", "without", "no",        "non",     "what", "whats",  "which",  "with",    "would",
    "you",  "your",    "cook",      "cooking", "find", "made"};

template <typename Range>
bool In(const Range& range, std::string_view w) {
  return std::find(std::begin(range), std::end(range), w) != std::end(range);
}

// Number of words of `phrase` ("less than") found at words[pos...], or 0 when they differ.
std::size_t MatchAt(const std::vector<std::string>& words, std::size_t pos,
                    std::string_view phrase) {
  std::size_t n = 0;
  for (;;) {
    const auto space = phrase.find(' ');
    if (pos + n >= words.size() || words[pos + n] != phrase.substr(0, space)) return 0;
    ++n;
    if (space == std::string_view::npos) return n;
    phrase.remove_prefix(space + 1);
  }
}

// Number of words of `phrase` if they end `words`, else 0.
std::size_t MatchAtEnd(const std::vector<std::string>& words, std::string_view phrase) {
  const auto n = static_cast<std::size_t>(std::count(phrase.begin(), phrase.end(), ' ')) + 1;
  return n <= words.size() ? MatchAt(words, words.size() - n, phrase) : 0;
}

void AddUnique(std::vector<std::string>& list, std::string_view item) {
  if (!In(list, item)) list.emplace_back(item);
}

// ---- Time limits ----

// "quick", "fast" and their kin ask for a dish on the table within half an hour.
constexpr int kQuickMinutes = 30;
constexpr std::string_view kQuickWords[] = {"quick", "quickly", "fast", "speedy"};

struct NamedValue {
  std::string_view word;
  int value;
};
constexpr NamedValue kNumberWords[] = {
    {"a", 1},       {"an", 1},     {"one", 1},     {"two", 2},      {"three", 3},
    {"four", 4},    {"five", 5},   {"six", 6},     {"seven", 7},    {"eight", 8},
    {"nine", 9},    {"ten", 10},   {"twelve", 12}, {"fifteen", 15}, {"twenty", 20},
    {"thirty", 30}, {"forty", 40}, {"fifty", 50},  {"sixty", 60},   {"ninety", 90}};
// Minutes per unit; the short forms also glue to a number ("30min", "1hr", "2h").
constexpr NamedValue kTimeUnits[] = {{"minute", 1}, {"minutes", 1}, {"min", 1},    {"mins", 1},
                                     {"m", 1},      {"hour", 60},   {"hours", 60}, {"hr", 60},
                                     {"hrs", 60},   {"h", 60}};
// Words before a duration that make it an upper limit ("under 30 minutes"); they are consumed.
constexpr std::string_view kLimitWords[] = {
    "under",          "in",    "within",       "below",         "max",
    "maximum",        "about", "around",       "less than",     "fewer than",
    "at most",        "up to", "no more than", "not more than", "no longer than",
    "not longer than"};
// Words before a duration that make it a lower bound: consumed, but no limit is set.
constexpr std::string_view kLowerBoundWords[] = {"over", "more than", "at least", "longer than"};
// Words after a duration that repeat it is a limit ("an hour or less"); consumed.
constexpr std::string_view kLimitTails[] = {"or less", "or under", "or fewer", "max",
                                            "maximum", "tops",     "or so"};

std::optional<int> Lookup(std::span<const NamedValue> table, std::string_view w) {
  for (const auto& [word, value] : table) {
    if (word == w) return value;
  }
  return std::nullopt;
}

// A number of at most four digits, or nullopt.
std::optional<int> Digits(std::string_view w) {
  int value = 0;
  if (w.empty() || w.size() > 4) return std::nullopt;
  const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
  if (ec != std::errc() || end != w.data() + w.size()) return std::nullopt;
  return value;
}

struct Span {
  int value;
  std::size_t words;
};

// The number at words[i]: digits, a number word, or tens and units ("forty five").
std::optional<Span> NumberAt(const std::vector<std::string>& words, std::size_t i) {
  if (i >= words.size()) return std::nullopt;
  if (const auto d = Digits(words[i])) return Span{*d, 1};
  const auto n = Lookup(kNumberWords, words[i]);
  if (!n) return std::nullopt;
  if (*n >= 20 && *n % 10 == 0 && i + 1 < words.size()) {
    const auto units = Lookup(kNumberWords, words[i + 1]);
    if (units && *units >= 1 && *units <= 9 && words[i + 1] != "a" && words[i + 1] != "an") {
      return Span{*n + *units, 2};
    }
  }
  return Span{*n, 1};
}

bool IsNumber(std::string_view w) {
  return Digits(w) || (w != "a" && w != "an" && Lookup(kNumberWords, w));
}

// A single duration at words[i] ("30 minutes", "an hour", "30min", "half an hour",
// "1 and a half hours"), in minutes.
std::optional<Span> SimpleDurationAt(const std::vector<std::string>& words, std::size_t i) {
  if (i >= words.size()) return std::nullopt;
  for (const std::string_view half : {"half an hour", "half a hour", "half hour"}) {
    if (const auto n = MatchAt(words, i, half)) return Span{30, n};
  }
  if (const auto n = NumberAt(words, i)) {
    const auto half = MatchAt(words, i + n->words, "and a half");
    const auto at = i + n->words + half;
    const auto unit = at < words.size() ? Lookup(kTimeUnits, words[at]) : std::nullopt;
    if (!unit) return std::nullopt;
    return Span{n->value * *unit + (half > 0 ? *unit / 2 : 0), at + 1 - i};
  }
  // Glued: "30min", "1hr".
  const std::string_view w = words[i];
  const auto digits = std::find_if(
      w.begin(), w.end(), [](char c) { return !std::isdigit(static_cast<unsigned char>(c)); });
  const auto split = static_cast<std::size_t>(digits - w.begin());
  if (split == 0 || split == w.size()) return std::nullopt;
  const auto n = Digits(w.substr(0, split));
  const auto unit = Lookup(kTimeUnits, w.substr(split));
  if (!n || !unit) return std::nullopt;
  return Span{*n * *unit, 1};
}

// A duration at words[i], with whole hours and the minutes after them added up ("1 hour 30
// minutes", "an hour and a half").
std::optional<Span> DurationAt(const std::vector<std::string>& words, std::size_t i) {
  auto d = SimpleDurationAt(words, i);
  if (!d || d->value % 60 != 0) return d;
  if (const auto n = MatchAt(words, i + d->words, "and a half")) {
    d->value += 30;
    d->words += n;
    return d;
  }
  const std::size_t next = i + d->words + MatchAt(words, i + d->words, "and");
  if (const auto more = SimpleDurationAt(words, next); more && more->value < 60) {
    d->value += more->value;
    d->words = next + more->words - i;
  }
  return d;
}

// ---- Diets and excluded foods ----

// Words and phrases that name a diet. `keep` leaves the words in the query too: "vegetarian"
// also matches the vegetarian cookbook's tag.
struct DietPhrase {
  std::string_view phrase;
  std::string_view diet;
  bool keep;
};
constexpr DietPhrase kDietPhrases[] = {
    {"vegetarian", "vegetarian", true}, {"veggie", "vegetarian", true},
    {"meatless", "vegetarian", false},  {"eggless", "egg_free", false},
    {"non dairy", "dairy_free", false}, {"vegan", "vegan", false},
    {"plant based", "vegan", false},    {"coeliac", "gluten_free", false},
    {"celiac", "gluten_free", false}};

// Foods that people who avoid the first mean to avoid too. Deliberately short: each group is
// one food family a cook would name by its head word.
struct FoodFamily {
  std::string_view head;
  std::array<std::string_view, 12> members;  // empty entries end the list
};
constexpr FoodFamily kFoodFamilies[] = {
    {"onion", {"shallot", "eschalot", "leek", "chive", "scallion"}},
    {"garlic", {"ramson"}},
    {"pork", {"ham", "bacon", "gammon", "lard", "sausage", "pig"}},
    {"beef", {"steak", "sirloin", "brisket", "rump", "oxtail", "ox"}},
    {"shellfish",
     {"lobster", "crab", "shrimp", "prawn", "oyster", "mussel", "clam", "scallop", "cockle",
      "crayfish"}},
    {"alcohol",
     {"wine", "brandy", "rum", "sherry", "port", "whisky", "gin", "beer", "ale", "liqueur",
      "madeira", "claret"}},
};

}  // namespace

std::vector<std::string> WithFoodFamily(std::string_view food) {
  std::vector<std::string> out{std::string(food)};
  std::string singular(food);
  if (singular.size() > 3 && singular.back() == 's') singular.pop_back();
  for (const auto& family : kFoodFamilies) {
    if (family.head != food && family.head != singular) continue;
    for (const auto member : family.members) {
      if (!member.empty()) out.emplace_back(member);
    }
  }
  return out;
}

std::vector<std::string> FoodFamilyWords() {
  std::vector<std::string> words;
  for (const auto& family : kFoodFamilies) {
    words.emplace_back(family.head);
    for (const auto member : family.members) {
      if (!member.empty()) words.emplace_back(member);
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

bool IsKeptDietWord(std::string_view word) {
  return std::any_of(std::begin(kDietPhrases), std::end(kDietPhrases),
                     [&](const DietPhrase& d) { return d.keep && d.phrase == word; });
}

namespace {

// Foods whose negation ("without eggs", "no nuts", "dairy-free") asks for a diet instead of
// excluding the one word.
struct DietFood {
  std::string_view food;
  std::string_view diet;
};
constexpr DietFood kDietFoods[] = {{"meat", "vegetarian"},    {"egg", "egg_free"},
                                   {"eggs", "egg_free"},      {"nut", "nut_free"},
                                   {"nuts", "nut_free"},      {"dairy", "dairy_free"},
                                   {"milk", "dairy_free"},    {"lactose", "dairy_free"},
                                   {"gluten", "gluten_free"}, {"wheat", "gluten_free"}};

std::string_view DietOfFood(std::string_view food) {
  for (const auto& d : kDietFoods) {
    if (d.food == food) return d.diet;
  }
  return {};
}

// Words after "no"/"without" or before "free" that name a way of cooking or a worry, not a
// food: "no-bake", "no-knead", "fuss-free". Neither excluded nor searched for.
constexpr std::string_view kNotFoods[] = {"bake",  "baking", "knead", "kneading", "churn",
                                          "fuss",  "fail",   "oven",  "hassle",   "stress",
                                          "worry", "mess",   "guilt", "cruelty",  "trouble"};
// Words skipped between a negation and its food: "without any added sugar".
constexpr std::string_view kNegationFillers[] = {"any", "added"};
// Words that continue a list of negated foods: "without onion or garlic", "onion, garlic".
constexpr std::string_view kListJoins[] = {kBreak, "or", "and", "nor"};

bool IsFoodWord(std::string_view w) {
  return w.size() > 1 && !IsStopword(w) && w != "free" && !In(kNotFoods, w) &&
         std::none_of(w.begin(), w.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

bool IsStopword(std::string_view w) { return In(kStopwords, w); }

std::vector<std::string> QueryWords(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= text.size();) {
    const auto end = std::min(text.find_first_of(",;/&", start), text.size());
    auto piece = SplitWords(text.substr(start, end - start));
    if (!out.empty() && !piece.empty()) out.emplace_back(kBreak);
    std::move(piece.begin(), piece.end(), std::back_inserter(out));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> TakeTimeLimits(const std::vector<std::string>& words,
                                        std::optional<int>& limit) {
  auto set = [&](int minutes) {
    if (minutes > 0 && (!limit || minutes < *limit)) limit = minutes;
  };
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < words.size();) {
    if (In(kQuickWords, words[i])) {
      const bool quick_bread = i + 1 < words.size() && words[i + 1].starts_with("bread");
      if (!quick_bread) {  // "quick breads" are a kind of bread, not a time
        set(kQuickMinutes);
        ++i;
        continue;
      }
    }
    const auto duration = DurationAt(words, i);
    if (!duration) {
      kept.push_back(words[i++]);
      continue;
    }
    bool is_limit = true;
    // "30 to 45 minutes", "3 or 4 hours", "30-45 minutes": the range's first number goes too.
    const std::size_t joiner = MatchAtEnd(kept, "to") + MatchAtEnd(kept, "or");
    if (kept.size() > joiner && IsNumber(kept[kept.size() - 1 - joiner])) {
      kept.resize(kept.size() - 1 - joiner);
    }
    for (bool popped = true; popped;) {  // "in under 30 minutes"
      popped = false;
      for (const auto phrase : kLimitWords) {
        if (const auto n = MatchAtEnd(kept, phrase)) {
          kept.resize(kept.size() - n);
          popped = true;
          break;
        }
      }
      for (const auto phrase : kLowerBoundWords) {
        if (const auto n = MatchAtEnd(kept, phrase)) {
          kept.resize(kept.size() - n);
          popped = true;
          is_limit = false;
          break;
        }
      }
    }
    i += duration->words;
    for (const auto phrase : kLimitTails) {
      if (const auto n = MatchAt(words, i, phrase)) {
        i += n;
        break;
      }
    }
    if (is_limit) set(duration->value);
  }
  return kept;
}

std::vector<std::string> TakeDietsAndExclusions(const std::vector<std::string>& words,
                                                AnalyzedQuery& out) {
  const auto size = words.size();
  auto negate = [&](std::string_view food) {
    if (const auto diet = DietOfFood(food); !diet.empty()) {
      AddUnique(out.diets, diet);
    } else {
      AddUnique(out.exclude_ingredients, food);
    }
  };
  // Negates the foods listed after words[i - 1] ("or garlic", ", garlic and leeks"); returns
  // the index after the list.
  auto negate_list = [&](std::size_t i) {
    while (i < size && In(kListJoins, words[i])) {
      std::size_t j = i + 1;
      if (j < size && words[i] == kBreak && In(kListJoins, words[j])) ++j;  // ", or garlic"
      const bool food = j < size && IsFoodWord(words[j]) && MatchAt(words, j + 1, "free") == 0;
      if (!food) break;
      negate(words[j]);
      i = j + 1;
    }
    return i;
  };
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < size;) {
    const auto phrase =
        std::find_if(std::begin(kDietPhrases), std::end(kDietPhrases),
                     [&](const DietPhrase& d) { return MatchAt(words, i, d.phrase); });
    if (phrase != std::end(kDietPhrases)) {
      AddUnique(out.diets, phrase->diet);
      const auto n = MatchAt(words, i, phrase->phrase);
      if (phrase->keep) kept.insert(kept.end(), words.begin() + i, words.begin() + i + n);
      i += n;
      continue;
    }
    if (words[i] == "without" || words[i] == "no") {
      std::size_t j = i + 1;
      while (j < size && In(kNegationFillers, words[j])) ++j;
      if (j < size && In(kNotFoods, words[j])) {  // "no-bake cookies"
        i = j + 1;
        continue;
      }
      if (j < size && IsFoodWord(words[j]) && MatchAt(words, j + 1, "free") == 0) {
        negate(words[j]);
        i = negate_list(j + 1);
        continue;
      }
    }
    if (MatchAt(words, i + 1, "free") && !MatchAt(words, i + 2, "range") &&
        !MatchAt(words, i + 2, "form")) {
      if (In(kNotFoods, words[i])) {  // "fuss-free"
        i += 2;
        continue;
      }
      if (IsFoodWord(words[i])) {
        negate(words[i]);
        // "egg and dairy free": diet foods listed before are negated too.
        while (kept.size() >= 2 && In(kListJoins, kept.back()) &&
               !DietOfFood(kept[kept.size() - 2]).empty()) {
          negate(kept[kept.size() - 2]);
          kept.resize(kept.size() - 2);
        }
        i += 2;
        continue;
      }
    }
    kept.push_back(words[i++]);
  }
  return kept;
}

}  // namespace recipe_rag::retrieval
