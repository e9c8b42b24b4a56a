#include "llm/extractive_writer.h"

#include <algorithm>
#include <iterator>

#include "core/strings.h"

namespace recipe_rag::llm {
namespace {

constexpr std::size_t kMaxQueryEcho = 80;
constexpr std::size_t kKeyIngredients = 3;

// Measures found at the start of period ingredient lines.
constexpr std::string_view kUnits[] = {"cup",
                                       "cups",
                                       "cupful",
                                       "cupfuls",
                                       "tablespoon",
                                       "tablespoons",
                                       "tablespoonful",
                                       "tablespoonfuls",
                                       "teaspoon",
                                       "teaspoons",
                                       "teaspoonful",
                                       "teaspoonfuls",
                                       "tbsp",
                                       "tsp",
                                       "lb",
                                       "lbs",
                                       "lb.",
                                       "oz",
                                       "oz.",
                                       "ounce",
                                       "ounces",
                                       "pound",
                                       "pounds",
                                       "pint",
                                       "pints",
                                       "quart",
                                       "quarts",
                                       "gill",
                                       "gills",
                                       "pinch",
                                       "dash",
                                       "slice",
                                       "slices",
                                       "can",
                                       "cans",
                                       "of",
                                       "a",
                                       "an",
                                       "the",
                                       "few",
                                       "some",
                                       "small",
                                       "large",
                                       "medium",
                                       "doz.",
                                       "dozen",
                                       "qt.",
                                       "pt.",
                                       "saltspoonful",
                                       "dessertspoonful",
                                       "dessertspoonfuls",
                                       "wineglassful",
                                       "wineglassfuls",
                                       "piece",
                                       "pieces"};

bool IsUnit(std::string_view word) {
  const auto lower = core::ToLowerAscii(word);
  return std::find(std::begin(kUnits), std::end(kUnits), lower) != std::end(kUnits);
}

bool IsQuantity(std::string_view word) {
  // Digits, fractions ("1/2"), ranges ("2-3") and Unicode vulgar fractions (all start 0xC2/0xE2).
  for (unsigned char c : word) {
    if (!(std::isdigit(c) || c == '/' || c == '-' || c == '.' || c >= 0x80)) return false;
  }
  return !word.empty();
}

std::string Quote(std::string_view query) {
  std::string q(core::Trim(query));
  if (core::Utf8Length(q) > kMaxQueryEcho) {
    std::size_t cut = 0;
    for (std::size_t n = 0; cut < q.size() && n < kMaxQueryEcho; ++n) {
      ++cut;
      while (cut < q.size() && (static_cast<unsigned char>(q[cut]) & 0xC0) == 0x80) ++cut;
    }
    q = q.substr(0, cut) + "…";
  }
  return "\u201c" + q + "\u201d";
}

}  // namespace

std::string IngredientName(std::string_view line) {
  std::string_view rest = core::Trim(line);
  // Drop leading quantity and unit words.
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const auto word = rest.substr(0, space);
    if (!IsQuantity(word) && !IsUnit(word)) break;
    rest =
        space == std::string_view::npos ? std::string_view{} : core::Trim(rest.substr(space + 1));
  }
  // Drop preparation notes after a comma or parenthesis.
  rest = rest.substr(0, std::min(rest.find(','), rest.find('(')));
  return core::ToLowerAscii(core::Trim(rest));
}

std::string WriteExtractiveAnswer(std::string_view query, std::span<const SourceRecipe> sources) {
  if (sources.empty()) {
    return "No recipe in the collection matches " + Quote(query) +
           ". The recipes come from cookbooks of 1861 to 1910, so period names "
           "(\u201cmacaroni\u201d, "
           "\u201cvegetable marrow\u201d) or a main ingredient may find what you want.";
  }
  const bool none_confident = std::all_of(sources.begin(), sources.end(),
                                          [](const SourceRecipe& s) { return s.low_confidence; });
  std::string out;
  if (none_confident) {
    out = "Nothing good was found in the collection for " + Quote(query) +
          "; the recipes come from cookbooks of 1861 to 1910 and may not have it. The closest " +
          (sources.size() == 1 ? std::string("match, which may not be what you want, is:")
                               : "matches, which may not be what you want, are:");
  } else {
    const auto confident = static_cast<std::size_t>(std::count_if(
        sources.begin(), sources.end(), [](const SourceRecipe& s) { return !s.low_confidence; }));
    out =
        confident == 1 ? "Here is 1 recipe" : "Here are " + std::to_string(confident) + " recipes";
    out += " from the collection for " + Quote(query) + ":";
  }
  std::size_t n = 0;
  for (const auto& s : sources) {
    if (s.low_confidence && !none_confident) continue;
    out += " " + std::to_string(++n) + ". " + std::string(s.title) + " (" + std::string(s.id) + ")";
    std::vector<std::string> names;
    if (s.ingredients != nullptr) {
      for (const auto& line : *s.ingredients) {
        auto name = IngredientName(line);
        if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) continue;
        names.push_back(std::move(name));
        if (names.size() == kKeyIngredients) break;
      }
    }
    if (!names.empty()) {
      out += ", made with ";
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
        out += names[i];
      }
    }
    out += ".";
  }
  return out;
}

}  // namespace recipe_rag::llm
