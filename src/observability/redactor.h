// Redactor: removes personal data and credentials from free text (prompts, completions) before
// it is logged or exported in a trace.
//
// What is caught, each replaced by a bracketed label:
//   [EMAIL]   e-mail addresses.
//   [PHONE]   international numbers (+44 20 7946 0958, +1-202-555-0147, +49 (0)30 123456) with
//             8-15 digits, and North-American ones ((202) 555-0147, 202-555-0147, 202.555.0147,
//             1-800-555-0199; bare 10-digit runs only when area code and exchange start with 2-9).
//   [CARD]    13-19 digit card numbers, contiguous or grouped by spaces/dashes (4-4-4-4, 4-6-5),
//             accepted only when they start with 2-6 (the issuer ranges of payment cards) and
//             pass the Luhn check.
//   [IBAN]    IBANs, compact or grouped by spaces, in either case, accepted only with their
//             country's length and a passing ISO 13616 mod-97 check.
//   [IP]      IPv4 addresses with four octets of 0-255 (not part of a longer dotted number such as
//             a version) and IPv6 addresses, full or :: compressed, with at least two groups and
//             a digit ("::1" and "std::string" are kept).
//   [SECRET]  sk-... / sk-proj-... / sk-lf-... / pk-lf-... keys, sk_live_/pk_test_ style keys,
//             AKIA/ASIA access key ids, ghp_/gho_/ghu_/ghs_/ghr_/github_pat_ tokens, xoxb-/xoxp-
//             tokens, JWTs, the credential after "Bearer" or "Basic" and after keys such as
//             api_key=, password: or client_secret=, and runs of 32+ base64/hex characters that
//             mix letters and digits and look random (entropy, digit/letter alternation, few
//             vowels).
// Cooking text is left alone: temperatures, quantities, fractions, ranges, dimensions, times,
// dates, years, ratios, percentages and short numbers never match. Known limits: national
// numbers outside North America written without "+" are kept; so are UUIDs, hyphenated runs and
// a few percent of random 32-39 character base64 strings (too few digits); a 13-19 digit number
// starting with 2-6 that happens to pass Luhn (some barcodes) is redacted as a card, and a long
// URL path that looks random is redacted whole.
//
// Modes: kRedact writes "[EMAIL]"; kHash writes "[EMAIL:1a2b3c4d]", the first 8 hex digits of
// HMAC-SHA256(hash_key, value) where value is the match with separators removed (card, IBAN,
// phone) or lower-cased (e-mail, IP), so equal values give equal tokens across log lines without
// being reversible by anyone who lacks the key; kOff returns the text unchanged.
//
// Cost: one left-to-right pass of a precompiled RE2 automaton that finds candidate starts; each
// candidate is confirmed by anchored automata and checks of bounded cost, so the time is linear in
// the input. Text without a match is copied once and nothing else is allocated.
// Thread-safe: const after construction, Redact() may run on many threads at once.
//
//   Redactor redactor(RedactMode::kRedact);
//   redactor.Redact("mail jo@example.com");  // "mail [EMAIL]"
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace recipe_rag::observability {

enum class RedactMode { kRedact, kHash, kOff };

// Parses "redact" | "hash" | "off"; false (and *out untouched) for anything else.
bool ParseRedactMode(std::string_view name, RedactMode* out);

class Redactor {
 public:
  // hash_key keys the HMAC used by kHash (so equal values map to equal tokens without being
  // reversible). An empty key still works, but then anyone can confirm a guessed value.
  explicit Redactor(RedactMode mode, std::string hash_key = {});
  ~Redactor();
  Redactor(Redactor&&) noexcept;
  Redactor& operator=(Redactor&&) noexcept;
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // `text` with every PII match replaced: kRedact -> "[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]",
  // "[IP]", "[SECRET]"; kHash -> "[EMAIL:1a2b3c4d]" (first 8 hex of HMAC-SHA256 of the matched
  // value); kOff -> text unchanged. Bytes outside the matches (UTF-8 included) are copied as they
  // are. For "Bearer", "Basic" and key=value credentials only the credential is replaced.
  std::string Redact(std::string_view text) const;

  RedactMode mode() const { return mode_; }

 private:
  struct Patterns;  // the compiled automata; null in kOff

  RedactMode mode_;
  std::string hash_key_;
  std::unique_ptr<const Patterns> patterns_;
};

}  // namespace recipe_rag::observability
