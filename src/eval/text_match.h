// Text matching for the evaluation labels: the normalisation and phrase rules of eval/README.md,
// identical to score.py's fold(), stem(), tokens(), contains_phrase() and remove_phrases() on
// the text the corpus and the query sets hold.
//
// Normalisation: accents folded as Unicode NFKD does, then every non-ASCII character dropped
// ("Entrées" → "entrees"; "’" becomes "'"; "æ"/"œ" become "ae"/"oe"), ASCII lower case,
// tokens are runs of [a-z], each token stemmed by a light plural stemmer, and single "s"
// tokens (from possessives, "calf's") dropped. Phrases match as consecutive tokens.
// Pure functions; safe from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace recipe_rag::eval {

using Tokens = std::vector<std::string>;

// Folds UTF-8 text to lower-case ASCII as score.py's fold() does. Exact for U+0000–U+017F
// (ASCII, Latin-1 Supplement, Latin Extended-A), the typographic spaces and dot leaders of
// U+2000–U+205F, the vulgar fractions U+2150–U+215F and the ligatures U+FB00–U+FB06; every other
// character is dropped, which is also what score.py does for characters without a compatibility
// decomposition (dashes, curly double quotes, degree signs, non-Latin scripts). Malformed UTF-8
// bytes are dropped.
std::string Fold(std::string_view utf8);

// score.py's stem(): irregular plurals ("calves" → "calf"), then "-ies" → "-y", "-oes" → "-o",
// "-ches/-shes/-xes/-sses/-zes" lose "es", and a final "s" goes unless the word ends in
// "ss", "us" or "is". Words of three letters or fewer are kept. `word` is lower-case [a-z]+.
std::string Stem(std::string_view word);

// Fold(), then the [a-z]+ runs, each stemmed, without single "s" tokens.
Tokens Tokenize(std::string_view text);

// True when `phrase` occurs in `tokens` as consecutive tokens. False for an empty phrase.
bool ContainsPhrase(const Tokens& tokens, const Tokens& phrase);

// Replaces every occurrence of each phrase (taken in order, left to right, not overlapping)
// by "_" tokens, so its words no longer match. Empty phrases are ignored.
void BlankPhrases(Tokens& tokens, const std::vector<Tokens>& phrases);

}  // namespace recipe_rag::eval
