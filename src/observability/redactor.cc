#include "observability/redactor.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "core/crypto.h"

namespace recipe_rag::observability {
namespace {

enum class Label { kEmail, kPhone, kCard, kIban, kIp, kSecret };

// Indexed by Label.
constexpr std::array<std::string_view, 6> kLabelNames = {"EMAIL", "PHONE", "CARD",
                                                         "IBAN",  "IP",    "SECRET"};

// A byte range [begin, end) of the input.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlpha(char c) { return IsUpper(c) || (c >= 'a' && c <= 'z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool IsVowel(char c) { return std::string_view("aeiouAEIOU").find(c) != std::string_view::npos; }

std::size_t CountDigits(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += IsDigit(c) ? 1 : 0;
  return n;
}

// True when the match is one piece of a longer dotted number ("3.14159…", "1.2.3.4.5").
bool ContinuesNumber(std::string_view text, Span s) {
  const bool before = s.begin >= 2 && text[s.begin - 1] == '.' && IsDigit(text[s.begin - 2]);
  const bool after = s.end + 1 < text.size() && text[s.end] == '.' && IsDigit(text[s.end + 1]);
  return before || after;
}

// The ends a grouped number may really stop at: the whole match, then before each separator
// from the right (a greedy match can swallow a following group that belongs to the next word).
template <class Accept>
std::optional<Span> LongestAccepted(std::string_view text, Span m, Accept accept) {
  for (std::size_t end = m.end; end > m.begin; --end) {
    if (end != m.end && IsAlnum(text[end]) == IsAlnum(text[end - 1])) continue;
    if (end != m.end && !IsAlnum(text[end - 1])) continue;
    const Span s{m.begin, end};
    if (accept(text.substr(s.begin, s.end - s.begin)) && !ContinuesNumber(text, s)) return s;
  }
  return std::nullopt;
}

// Decides whether a pattern's match is PII. `m` is the whole match, `group` capture 1 (empty
// when the pattern has none). Returns the range to replace, or nullopt to reject the match.
using Check = std::optional<Span> (*)(std::string_view text, Span m, Span group);

std::optional<Span> Accept(std::string_view, Span m, Span) { return m; }

// A credential after "password:" and the like; a sentence's closing punctuation is not part of it.
std::optional<Span> CheckValue(std::string_view text, Span, Span group) {
  while (group.end > group.begin &&
         std::string_view(".)]}").find(text[group.end - 1]) != std::string_view::npos) {
    --group.end;
  }
  if (group.end - group.begin < 6) return std::nullopt;
  return group;
}

std::optional<Span> CheckEmail(std::string_view text, Span m, Span) {
  while (m.begin < m.end && text[m.begin] == '.') ++m.begin;  // "….john@" starts at "john"
  if (m.begin == m.end || text[m.begin] == '@') return std::nullopt;
  return m;
}

// sk-/pk-lf- keys: the random part mixes letters and digits. The pattern reads at most 70 bytes,
// so rejecting "sk-sk-sk-…" costs little; an accepted key is extended to its end.
std::optional<Span> CheckKey(std::string_view text, Span m, Span) {
  const std::string_view key = text.substr(m.begin, m.end - m.begin);
  const std::size_t digits = CountDigits(key);
  if (digits == 0 || key.size() - digits < 8) return std::nullopt;
  while (m.end < text.size() &&
         (IsAlnum(text[m.end]) || text[m.end] == '_' || text[m.end] == '-')) {
    ++m.end;
  }
  return m;
}

// "Bearer <token>": a real token has a digit or is long; "bearer instruments" is prose.
std::optional<Span> CheckBearer(std::string_view text, Span, Span group) {
  while (group.end > group.begin && text[group.end - 1] == '.') --group.end;
  const std::string_view token = text.substr(group.begin, group.end - group.begin);
  if (CountDigits(token) == 0 && token.size() < 20) return std::nullopt;
  return group;
}

// "Basic <base64>": only when it decodes to "user:password".
std::optional<Span> CheckBasic(std::string_view text, Span, Span group) {
  const auto decoded = core::Base64Decode(text.substr(group.begin, group.end - group.begin));
  if (!decoded || decoded->size() < 3) return std::nullopt;
  for (char c : *decoded) {
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  }
  const std::size_t colon = decoded->find(':');
  if (colon == 0 || colon == std::string::npos) return std::nullopt;
  return group;
}

// Registered lengths of IBANs by country (ISO 13616 registry).
constexpr std::string_view kIbanLengths =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28EE20EG29"
    "ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HN28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20"
    "LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29"
    "PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29VA22VG24XK20"
    "YE30";

// An IBAN has its country's registered length, so there is one place the match can end.
std::optional<Span> CheckIban(std::string_view text, Span m, Span) {
  std::size_t expected = 0;
  for (std::size_t i = 0; i + 4 <= kIbanLengths.size(); i += 4) {
    if (kIbanLengths[i] == ToUpper(text[m.begin]) &&
        kIbanLengths[i + 1] == ToUpper(text[m.begin + 1])) {
      expected =
          static_cast<std::size_t>((kIbanLengths[i + 2] - '0') * 10 + (kIbanLengths[i + 3] - '0'));
      break;
    }
  }
  std::array<char, 34> iban{};
  std::size_t n = 0;
  std::size_t end = m.begin;
  for (; end < m.end && n < expected; ++end) {
    if (text[end] != ' ') iban[n++] = ToUpper(text[end]);
  }
  if (expected == 0 || n != expected || (end < text.size() && IsAlnum(text[end]))) {
    return std::nullopt;
  }
  // Country and check digits move to the end; letters count as 10..35; the number mod 97 is 1.
  unsigned remainder = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = iban[(k + 4) % n];
    if (IsDigit(c)) {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else {
      remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    }
  }
  const Span s{m.begin, end};
  if (remainder != 1 || ContinuesNumber(text, s)) return std::nullopt;
  return s;
}

bool IsCard(std::string_view candidate) {
  std::array<char, 19> digits{};
  std::size_t n = 0;
  for (char c : candidate) {
    if (!IsDigit(c)) continue;
    if (n == digits.size()) return false;
    digits[n++] = c;
  }
  if (n < 13 || digits[0] < '2' || digits[0] > '6') return false;
  // Luhn: from the right, every second digit doubled (minus 9 when above 9); the sum ends in 0.
  unsigned sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned d = static_cast<unsigned>(digits[n - 1 - i] - '0');
    if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

std::optional<Span> CheckCard(std::string_view text, Span m, Span) {
  return LongestAccepted(text, m, IsCard);
}

std::optional<Span> CheckIntlPhone(std::string_view text, Span m, Span) {
  if (m.end < text.size() && IsDigit(text[m.end])) return std::nullopt;  // stopped mid-number
  return LongestAccepted(text, m, [](std::string_view s) {
    const std::size_t digits = CountDigits(s);
    return digits >= 8 && digits <= 15 && s.back() != ')';
  });
}

std::optional<Span> CheckNorthAmericanPhone(std::string_view text, Span m, Span) {
  if (ContinuesNumber(text, m)) return std::nullopt;
  const std::string_view s = text.substr(m.begin, m.end - m.begin);
  std::array<char, 11> digits{};
  std::size_t n = 0;
  for (char c : s) {
    if (!IsDigit(c)) continue;
    if (n == digits.size()) return std::nullopt;
    digits[n++] = c;
  }
  const std::size_t first = n == 11 && digits[0] == '1' ? 1 : 0;  // the country code 1
  if (n - first != 10) return std::nullopt;
  // Without separators or parentheses only a plausible number (area code and exchange 2-9).
  if (n == s.size() && (digits[first] < '2' || digits[first + 3] < '2')) return std::nullopt;
  return m;
}

std::optional<Span> CheckIpv4(std::string_view text, Span m, Span) {
  if (ContinuesNumber(text, m)) return std::nullopt;
  unsigned octet = 0;
  for (char c : text.substr(m.begin, m.end - m.begin)) {
    if (c == '.') {
      octet = 0;
    } else if ((octet = octet * 10 + static_cast<unsigned>(c - '0')) > 255) {
      return std::nullopt;
    }
  }
  return m;
}

std::optional<Span> CheckIpv6(std::string_view text, Span m, Span) {
  // Followed by a letter, a digit or more groups ("1:2:3:4:5:6:7:8:9"): not an address.
  if (m.end < text.size() &&
      (IsAlnum(text[m.end]) ||
       (text[m.end] == ':' && m.end + 1 < text.size() && IsHex(text[m.end + 1])))) {
    return std::nullopt;
  }
  std::array<char, 64> buf{};
  in6_addr addr{};
  for (; m.end > m.begin && m.end - m.begin < buf.size(); --m.end) {
    const std::string_view s = text.substr(m.begin, m.end - m.begin);
    s.copy(buf.data(), s.size());
    buf[s.size()] = '\0';
    if (inet_pton(AF_INET6, buf.data(), &addr) == 1) {
      // "::1" and "cafe::beef" are also read as code; an address worth hiding has two groups
      // and a digit.
      std::size_t groups = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        groups += IsHex(s[i]) && (i == 0 || !IsHex(s[i - 1])) ? 1 : 0;
      }
      if (groups < 2 || CountDigits(s) == 0) return std::nullopt;
      return m;
    }
    if (s.back() != ':') break;  // only a trailing ':' of the sentence may be dropped
  }
  return std::nullopt;
}

// A long base64/hex run counts as a secret when it looks random: letters and digits alternate
// often, few separators, entropy of at least 3 bits per character and, unless it is hex, few
// vowels (identifiers and paths are made of words).
std::optional<Span> CheckRandomRun(std::string_view text, Span m, Span) {
  const std::string_view run = text.substr(m.begin, m.end - m.begin);
  std::array<unsigned, 256> counts{};
  std::size_t digits = 0, letters = 0, vowels = 0, separators = 0, alternations = 0;
  bool hex = true;
  char last_alnum = '\0';
  for (char c : run) {
    ++counts[static_cast<unsigned char>(c)];
    hex = hex && IsHex(c);
    if (IsDigit(c)) {
      ++digits;
    } else if (IsAlpha(c)) {
      ++letters;
      vowels += IsVowel(c) ? 1 : 0;
    } else if (c != '=') {
      ++separators;
    }
    if (IsAlnum(c)) {
      if (last_alnum != '\0' && IsDigit(last_alnum) != IsDigit(c)) ++alternations;
      last_alnum = c;
    }
  }
  if (digits < 2 || letters < 2 || alternations < 3 || separators * 10 > run.size()) {
    return std::nullopt;
  }
  if (!hex && vowels * 20 > letters * 7) return std::nullopt;  // more than 35 % vowels
  double entropy = 0;
  for (unsigned n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(run.size());
    entropy -= p * std::log2(p);
  }
  if (entropy < 3.0) return std::nullopt;
  return m;
}

// One kind of match. Its regular expression is `trigger` followed by `rest`; the triggers alone
// (each bounded in length) are what the scan looks for, so a rejected candidate costs little.
//
// A rule without a word boundary at its start (e-mail, IPs, long runs) would fire at every byte
// of a long run; with `lead` its trigger also consumes the byte before the match and requires
// the text's start or a byte that may not precede a match, so a run fires once, at its start.
// And a pattern that can fail after reading an unbounded run either starts only at that run's
// first byte or belongs to a rule whose check accepts every long match, so later candidates do
// not read those bytes again and the whole scan stays linear.
struct Rule {
  Label label;
  const char* first;  // the bytes a match can start with, as a character class body
  bool lead;
  const char* trigger;
  const char* rest;
  const char* not_after;  // bytes that must not precede a match (letters and digits never may)
  Check check;
};

// Tried in this order at each candidate start; the first accepted match wins.
constexpr std::array<Rule, 18> kRules = {{
    {Label::kSecret, "acprsACPRS", false,
     R"((?i)\b(?:api[_-]?key|secret[_-]?key|client[_-]?secret|access[_-]?token|)"
     R"(refresh[_-]?token|auth[_-]?token|aws_secret_access_key|password|passwd))",
     R"(["']?[ \t]*[:=][ \t]*["']?([^\s"'<>,;]{6,}))", "", CheckValue},
    {Label::kSecret, "bB", false, R"((?i)\bbearer[ \t])", R"([ \t]*([A-Za-z0-9\-._~+/]{8,}=*))", "",
     CheckBearer},
    {Label::kSecret, "bB", false, R"((?i)\bbasic[ \t])", R"([ \t]*([A-Za-z0-9+/]{8,}={0,2}))", "",
     CheckBasic},
    {Label::kSecret, "s", false, R"(\bsk-)", R"([A-Za-z0-9_\-]{20,64})", "", CheckKey},
    {Label::kSecret, "p", false, R"(\bpk-lf-)", R"([A-Za-z0-9_\-]{8,64})", "", CheckKey},
    {Label::kSecret, "prs", false, R"(\b[spr]k_(?:live|test)_)", R"([A-Za-z0-9]{16,})", "", Accept},
    {Label::kSecret, "A", false, R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)", "", "", Accept},
    {Label::kSecret, "g", false, R"(\b(?:gh[pousr]|github_pat)_)", R"([A-Za-z0-9_]{30,})", "",
     Accept},
    {Label::kSecret, "x", false, R"(\bxox[abposr]-)", R"([A-Za-z0-9\-]{10,})", "", Accept},
    {Label::kSecret, "e", false, R"(\beyJ[A-Za-z0-9_\-]{8})",
     R"([A-Za-z0-9_\-]{0,500}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})", "", Accept},
    {Label::kEmail, "A-Za-z0-9._%+-", true, R"([A-Za-z0-9._%+\-]{1,64}@)",
     R"((?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b)", "._%+-", CheckEmail},
    {Label::kIban, "A-Za-z", false, R"(\b[A-Za-z]{2}\d{2})",
     R"((?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b)", "", CheckIban},
    // 13-19 digits, 4-4-4-(1-4)[-(1-3)] or 4-6-(4-5).
    {Label::kCard, "0-9", false, R"(\b\d{4}[ \-]?\d{4})",
     R"((?:\d{5,11}|[ \-]\d{4}[ \-]\d{1,4}(?:[ \-]\d{1,3})?|\d{2}[ \-]\d{4,5})\b)", "", CheckCard},
    {Label::kPhone, "+", false, R"(\+[1-9])",
     R"(\d{0,2}[ .\-]?(?:\(\d{1,4}\)|\d{1,10})(?:[ .\-]?(?:\(\d{1,4}\)|\d{2,10})){0,6})", "+",
     CheckIntlPhone},
    {Label::kPhone, "0-9(", false,
     R"((?:\b1[ .\-]?)?(?:\(\d{3}\)|\b\d{3})[ .\-]?\d{3}[ .\-]?\d{4}\b)", "", "+",
     CheckNorthAmericanPhone},
    {Label::kIp, "0-9A-Fa-f:", true, R"([0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)",
     R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){0,5}(?:\.\d{1,3}){0,3})", ":.", CheckIpv6},
    {Label::kIp, "0-9", true, R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)", "", ".", CheckIpv4},
    {Label::kSecret, "A-Za-z0-9+/_", true, R"([A-Za-z0-9+/_]{32})", R"([A-Za-z0-9+/_]*={0,2})",
     "+/_", CheckRandomRun},
}};

// "(?:^|[^…])": the text's start or a byte that may precede a match of `rule`.
std::string LeadFor(const Rule& rule) {
  std::string lead = "(?:^|[^A-Za-z0-9";
  bool dash = false;
  for (char c : std::string_view(rule.not_after)) {
    if (c == '-') {
      dash = true;
    } else {
      lead.push_back(c);
    }
  }
  if (dash) lead.push_back('-');
  return lead + "])";
}

std::unique_ptr<const RE2> Compile(const std::string& pattern, bool capture) {
  RE2::Options options;
  // Byte semantics: a class such as [^A-Za-z0-9] consumes one byte of a UTF-8 character, so the
  // byte after a trigger's lead byte is where the match starts. Every pattern is ASCII.
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_never_capture(!capture);
  options.set_max_mem(16 << 20);
  auto re = std::make_unique<const RE2>(pattern, options);
  if (!re->ok()) {
    // The patterns are constants of this file: a failure is a bug, not an input problem.
    std::fprintf(stderr, "redactor: bad pattern %s: %s\n", pattern.c_str(), re->error().c_str());
    std::abort();
  }
  return re;
}

// The bytes of a character class body such as "A-Za-z0-9._%+-" (a '-' at either end is literal).
std::array<bool, 256> ByteSet(std::string_view spec) {
  std::array<bool, 256> set{};
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (i + 2 < spec.size() && spec[i + 1] == '-') {
      for (int c = spec[i]; c <= spec[i + 2]; ++c) set[static_cast<unsigned char>(c)] = true;
      i += 2;
    } else {
      set[static_cast<unsigned char>(spec[i])] = true;
    }
  }
  return set;
}

// The value a kHash token is computed from: formatting removed so equal values give equal tokens.
std::string Normalize(Label label, std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (label) {
      case Label::kCard:
      case Label::kIban:
      case Label::kPhone:
        if (IsAlnum(c) || c == '+') out.push_back(ToUpper(c));
        break;
      case Label::kEmail:
      case Label::kIp:
        out.push_back(IsUpper(c) ? static_cast<char>(c | 0x20) : c);
        break;
      case Label::kSecret:
        out.push_back(c);
        break;
    }
  }
  return out;
}

// The end of the letters and digits starting at `start` (at least one byte further): no match
// starts inside a word, so a rejected candidate is skipped as a whole.
std::size_t SkipWord(std::string_view text, std::size_t start) {
  std::size_t i = start;
  while (i < text.size() && IsAlnum(text[i])) ++i;
  return i > start ? i : start + 1;
}

}  // namespace

struct Redactor::Patterns {
  Patterns() {
    std::string triggers;
    for (const Rule& rule : kRules) {
      if (!triggers.empty()) triggers += '|';
      triggers.append(rule.lead ? LeadFor(rule) : "").append("(?:").append(rule.trigger) += ')';
      rules.push_back(Compile(std::string("(?:") + rule.trigger + ")" + rule.rest, true));
      first.push_back(ByteSet(rule.first));
    }
    any = Compile(triggers, false);
  }

  // The first rule accepting a match at `start`: its label and the range to replace. With
  // `lead_only`, only rules whose trigger may have fired on the byte before `start`.
  std::optional<Span> MatchAt(std::string_view text, std::size_t start, bool lead_only,
                              Label* label) const {
    const char prev = start > 0 ? text[start - 1] : ' ';
    if (IsAlnum(prev)) return std::nullopt;
    const re2::StringPiece input(text.data(), text.size());
    for (std::size_t i = 0; i < kRules.size(); ++i) {
      if ((lead_only && !kRules[i].lead) || !first[i][static_cast<unsigned char>(text[start])] ||
          (start > 0 &&
           std::string_view(kRules[i].not_after).find(prev) != std::string_view::npos)) {
        continue;
      }
      std::array<re2::StringPiece, 2> groups;
      const int n = 1 + rules[i]->NumberOfCapturingGroups();
      if (!rules[i]->Match(input, start, text.size(), RE2::ANCHOR_START, groups.data(), n))
        continue;
      const auto offset = [&](const re2::StringPiece& s) {
        return static_cast<std::size_t>(s.data() - text.data());
      };
      const Span m{start, offset(groups[0]) + groups[0].size()};
      Span group;
      if (n > 1 && groups[1].data() != nullptr) {
        group = {offset(groups[1]), offset(groups[1]) + groups[1].size()};
      }
      if (const std::optional<Span> found = kRules[i].check(text, m, group);
          found && found->end > found->begin) {
        *label = kRules[i].label;
        return found;
      }
    }
    return std::nullopt;
  }

  std::unique_ptr<const RE2> any;  // every rule's trigger: finds the next candidate start
  std::vector<std::unique_ptr<const RE2>> rules;  // parallel to kRules
  std::vector<std::array<bool, 256>> first;       // kRules[i].first as a lookup table
};

bool ParseRedactMode(std::string_view name, RedactMode* out) {
  if (name == "redact") {
    *out = RedactMode::kRedact;
  } else if (name == "hash") {
    *out = RedactMode::kHash;
  } else if (name == "off") {
    *out = RedactMode::kOff;
  } else {
    return false;
  }
  return true;
}

Redactor::Redactor(RedactMode mode, std::string hash_key)
    : mode_(mode),
      hash_key_(std::move(hash_key)),
      patterns_(mode == RedactMode::kOff ? nullptr : std::make_unique<const Patterns>()) {}

Redactor::~Redactor() = default;
Redactor::Redactor(Redactor&&) noexcept = default;
Redactor& Redactor::operator=(Redactor&&) noexcept = default;

std::string Redactor::Redact(std::string_view text) const {
  if (patterns_ == nullptr) return std::string(text);
  const re2::StringPiece input(text.data(), text.size());
  std::string out;
  bool matched = false;
  std::size_t copied = 0;
  std::size_t pos = 0;
  re2::StringPiece hit;
  while (pos < text.size() &&
         patterns_->any->Match(input, pos, text.size(), RE2::UNANCHORED, &hit, 1)) {
    const auto start = static_cast<std::size_t>(hit.data() - text.data());
    Label label = Label::kSecret;
    std::optional<Span> found = patterns_->MatchAt(text, start, false, &label);
    if (!found && !IsAlnum(text[start]) && start + 1 < text.size()) {
      found = patterns_->MatchAt(text, start + 1, true, &label);  // a lead byte fired the trigger
    }
    if (!found) {
      // Rules without a lead byte may still start at start + 1: scan on from there.
      pos = IsAlnum(text[start]) ? SkipWord(text, start) : start + 1;
      continue;
    }
    if (!matched) {
      out.reserve(text.size() + 16);
      matched = true;
    }
    out.append(text.substr(copied, found->begin - copied));
    out.push_back('[');
    out.append(kLabelNames[static_cast<std::size_t>(label)]);
    if (mode_ == RedactMode::kHash) {
      const std::string_view value = text.substr(found->begin, found->end - found->begin);
      out.push_back(':');
      out.append(core::HmacSha256Hex(hash_key_, Normalize(label, value)), 0, 8);
    }
    out.push_back(']');
    copied = pos = found->end;
  }
  if (!matched) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

}  // namespace recipe_rag::observability
