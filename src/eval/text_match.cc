#include "eval/text_match.h"

#include <array>
#include <cstdint>
#include <optional>

namespace recipe_rag::eval {
namespace {

// NFKD of U+00A0–U+017F with combining marks and other non-ASCII characters dropped, lower
// case: what score.py's fold() makes of each character ("ß", "ø", "đ", "ł" have no
// decomposition and vanish; "æ" and "œ" are spelled out; capital "Æ" and "Œ" are not, as in
// score.py). Written out by hand rather than taken from ICU: the project takes its libraries
// from Debian packages only and links no Unicode library, and the corpus is English with a
// few French accents, so a 224-entry table (generated once with Python's unicodedata and
// checked by text_match_test.cc) covers it exactly.
constexpr std::array<const char*, 0x180 - 0xA0> kLatin = {
    " ", "",  "",   "",   "",   "",   "",   "",   // U+00A0
    " ", "",  "a",  "",   "",   "",   "",   " ",  // U+00A8
    "",  "",  "2",  "3",  " ",  "",   "",   "",   // U+00B0
    " ", "1", "o",  "",   "14", "12", "34", "",   // U+00B8
    "a", "a", "a",  "a",  "a",  "a",  "",   "c",  // U+00C0
    "e", "e", "e",  "e",  "i",  "i",  "i",  "i",  // U+00C8
    "",  "n", "o",  "o",  "o",  "o",  "o",  "",   // U+00D0
    "",  "u", "u",  "u",  "u",  "y",  "",   "",   // U+00D8
    "a", "a", "a",  "a",  "a",  "a",  "ae", "c",  // U+00E0
    "e", "e", "e",  "e",  "i",  "i",  "i",  "i",  // U+00E8
    "",  "n", "o",  "o",  "o",  "o",  "o",  "",   // U+00F0
    "",  "u", "u",  "u",  "u",  "y",  "",   "y",  // U+00F8
    "a", "a", "a",  "a",  "a",  "a",  "c",  "c",  // U+0100
    "c", "c", "c",  "c",  "c",  "c",  "d",  "d",  // U+0108
    "",  "",  "e",  "e",  "e",  "e",  "e",  "e",  // U+0110
    "e", "e", "e",  "e",  "g",  "g",  "g",  "g",  // U+0118
    "g", "g", "g",  "g",  "h",  "h",  "",   "",   // U+0120
    "i", "i", "i",  "i",  "i",  "i",  "i",  "i",  // U+0128
    "i", "",  "ij", "ij", "j",  "j",  "k",  "k",  // U+0130
    "",  "l", "l",  "l",  "l",  "l",  "l",  "l",  // U+0138
    "l", "",  "",   "n",  "n",  "n",  "n",  "n",  // U+0140
    "n", "n", "",   "",   "o",  "o",  "o",  "o",  // U+0148
    "o", "o", "",   "oe", "r",  "r",  "r",  "r",  // U+0150
    "r", "r", "s",  "s",  "s",  "s",  "s",  "s",  // U+0158
    "s", "s", "t",  "t",  "t",  "t",  "",   "",   // U+0160
    "u", "u", "u",  "u",  "u",  "u",  "u",  "u",  // U+0168
    "u", "u", "u",  "u",  "w",  "w",  "y",  "y",  // U+0170
    "y", "z", "z",  "z",  "z",  "z",  "z",  "s",  // U+0178
};

// Vulgar fractions U+2150–U+215F: NFKD is "numerator ⁄ denominator"; the slash is dropped.
constexpr std::array<const char*, 16> kFractions = {
    "17", "19", "110", "13", "23", "15", "25", "35", "45", "16", "56", "18", "38", "58", "78", "1",
};

constexpr std::array<const char*, 7> kLigatures = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};

// The ASCII text score.py's fold() gives one code point (before lower-casing, which the
// tables have applied already).
std::string_view FoldCodePoint(std::uint32_t cp) {
  if (cp >= 0xA0 && cp < 0x180) return kLatin[cp - 0xA0];
  if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x2017 || cp == 0x202F || cp == 0x203E ||
      cp == 0x205F) {
    return " ";
  }
  switch (cp) {
    case 0x2019:  // score.py replaces the typographic apostrophe before folding
      return "'";
    case 0x2024:
      return ".";
    case 0x2025:
      return "..";
    case 0x2026:
      return "...";
    case 0x203C:
      return "!!";
    case 0x2047:
      return "??";
    case 0x2048:
      return "?!";
    case 0x2049:
      return "!?";
    default:
      break;
  }
  if (cp >= 0x2150 && cp <= 0x215F) return kFractions[cp - 0x2150];
  if (cp >= 0xFB00 && cp <= 0xFB06) return kLigatures[cp - 0xFB00];
  return "";
}

// Decodes the code point starting at s[i] and advances i; nullopt (and one byte skipped) for a
// malformed sequence.
std::optional<std::uint32_t> NextCodePoint(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return std::nullopt;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return std::nullopt;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Irregular {
  std::string_view plural;
  std::string_view singular;
};
constexpr std::array<Irregular, 10> kIrregular = {{{"calves", "calf"},
                                                   {"halves", "half"},
                                                   {"loaves", "loaf"},
                                                   {"leaves", "leaf"},
                                                   {"knives", "knife"},
                                                   {"wolves", "wolf"},
                                                   {"geese", "goose"},
                                                   {"teeth", "tooth"},
                                                   {"feet", "foot"},
                                                   {"mice", "mouse"}}};

bool PhraseAt(const Tokens& tokens, std::size_t at, const Tokens& phrase) {
  for (std::size_t k = 0; k < phrase.size(); ++k) {
    if (tokens[at + k] != phrase[k]) return false;
  }
  return true;
}

}  // namespace

std::string Fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto cp = NextCodePoint(utf8, i);
    if (!cp) continue;
    if (*cp < 0x80) {
      const char c = static_cast<char>(*cp);
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    } else {
      out += FoldCodePoint(*cp);
    }
  }
  return out;
}

std::string Stem(std::string_view w) {
  for (const auto& irregular : kIrregular) {
    if (w == irregular.plural) return std::string(irregular.singular);
  }
  if (w.size() <= 3) return std::string(w);
  if (EndsWith(w, "ies") && w.size() > 4) {
    std::string out(w.substr(0, w.size() - 3));
    out.push_back('y');
    return out;
  }
  if (EndsWith(w, "oes")) return std::string(w.substr(0, w.size() - 2));
  for (std::string_view suffix : {"ches", "shes", "xes", "sses", "zes"}) {
    if (EndsWith(w, suffix)) return std::string(w.substr(0, w.size() - 2));
  }
  if (EndsWith(w, "s") && !EndsWith(w, "ss") && !EndsWith(w, "us") && !EndsWith(w, "is")) {
    return std::string(w.substr(0, w.size() - 1));
  }
  return std::string(w);
}

Tokens Tokenize(std::string_view text) {
  const std::string folded = Fold(text);
  Tokens out;
  std::size_t i = 0;
  while (i < folded.size()) {
    if (folded[i] < 'a' || folded[i] > 'z') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < folded.size() && folded[j] >= 'a' && folded[j] <= 'z') ++j;
    const std::string_view word(folded.data() + i, j - i);
    if (word != "s") out.push_back(Stem(word));
    i = j;
  }
  return out;
}

bool ContainsPhrase(const Tokens& tokens, const Tokens& phrase) {
  if (phrase.empty() || phrase.size() > tokens.size()) return false;
  for (std::size_t i = 0; i + phrase.size() <= tokens.size(); ++i) {
    if (PhraseAt(tokens, i, phrase)) return true;
  }
  return false;
}

void BlankPhrases(Tokens& tokens, const std::vector<Tokens>& phrases) {
  for (const auto& phrase : phrases) {
    if (phrase.empty()) continue;
    std::size_t i = 0;
    while (i + phrase.size() <= tokens.size()) {
      if (PhraseAt(tokens, i, phrase)) {
        for (std::size_t k = 0; k < phrase.size(); ++k) tokens[i + k].assign(1, '_');
        i += phrase.size();
      } else {
        ++i;
      }
    }
  }
}

}  // namespace recipe_rag::eval
