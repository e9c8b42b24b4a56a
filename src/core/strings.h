// Small string helpers used across modules. Pure functions, safe from many threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace recipe_rag::core {

// `s` without leading and trailing ASCII whitespace.
std::string_view Trim(std::string_view s);

// ASCII lower-casing; other bytes are copied unchanged.
std::string ToLowerAscii(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// The longest prefix of valid UTF-8 `s` of at most `max_bytes` that does not split a character.
std::string_view Utf8Prefix(std::string_view s, std::size_t max_bytes);

// Number of Unicode code points in valid UTF-8 `s`.
std::size_t Utf8Length(std::string_view s);

// Splits on `sep`, trims each piece and drops empty ones.
std::vector<std::string> SplitTrimmed(std::string_view s, char sep);

// Case-insensitive ASCII comparison.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// True when the JSON text nests arrays/objects deeper than `max_depth`. Scans bytes only
// (skipping string contents), so a hostile document is rejected before any parser recurses.
bool JsonNestingExceeds(std::string_view json, int max_depth);

}  // namespace recipe_rag::core

namespace recipe_rag::core {

// Appends `s` to `out` as a quoted JSON string ("..."), escaping as RFC 8259 requires.
// Invalid UTF-8 bytes are replaced with U+FFFD so the line stays valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace recipe_rag::core
