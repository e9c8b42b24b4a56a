#include "observability/redactor.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/crypto.h"

namespace recipe_rag::observability {
namespace {

using namespace std::chrono_literals;

constexpr char kDataDir[] = RECIPE_RAG_SOURCE_DIR "/tests/unit/observability/data";
constexpr char kCorpus[] = RECIPE_RAG_SOURCE_DIR "/data/recipes/recipe_data.json";

// One row of redactor_pii.tsv: a value and what it becomes on its own ("[EMAIL]", or
// "Bearer [SECRET]" when only part of it is the credential).
struct PiiCase {
  std::string label;  // "[EMAIL]"
  std::string value;
  std::string redacted;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

std::vector<PiiCase> LoadPiiTable() {
  std::vector<PiiCase> cases;
  for (const std::string& line : ReadLines(std::string(kDataDir) + "/redactor_pii.tsv")) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    for (std::string field; std::getline(row, field, '\t');) fields.push_back(field);
    if (fields.size() < 2) continue;
    const std::string label = "[" + fields[0] + "]";
    cases.push_back({label, fields[1], fields.size() > 2 ? fields[2] : label});
  }
  return cases;
}

// `count` ingredient and instruction lines of the bundled corpus, evenly spaced through it.
std::vector<std::string> SampleCorpusLines(std::size_t count) {
  std::ifstream in(kCorpus);
  const nlohmann::json corpus = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> all;
  if (!corpus.is_array()) return all;
  for (const nlohmann::json& recipe : corpus) {
    for (const char* key : {"ingredients", "instructions"}) {
      if (!recipe.contains(key) || !recipe[key].is_array()) continue;
      for (const nlohmann::json& line : recipe[key]) {
        if (line.is_string()) all.push_back(line.get<std::string>());
      }
    }
  }
  std::vector<std::string> sample;
  const std::size_t stride = all.size() / count;
  for (std::size_t i = 0; stride > 0 && i < count; ++i) sample.push_back(all[i * stride]);
  return sample;
}

// Text around an embedded value: before, after.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSentences = {{
    {"Please contact ", " before Friday."},
    {"Guest note: ", ", thanks!"},
    {"(", ")"},
    {"Café crème brûlée — ", " — ½ cup sugar"},
    {"Reach me at ", ""},
    {"", " is what I was told."},
    {"Order #42 for María: ", "; serves 4-6."},
}};

class RedactorTest : public ::testing::Test {
 protected:
  const Redactor redactor_{RedactMode::kRedact};
};

TEST_F(RedactorTest, PiiTableCoversEveryKind) {
  const std::vector<PiiCase> cases = LoadPiiTable();
  ASSERT_GE(cases.size(), 150u) << "missing " << kDataDir << "/redactor_pii.tsv?";
  std::map<std::string, int> per_label;
  for (const PiiCase& c : cases) ++per_label[c.label];
  for (const char* label : {"[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[IP]", "[SECRET]"}) {
    EXPECT_GE(per_label[label], 20) << label;
  }
}

TEST_F(RedactorTest, ReplacesEachPiiValueWithItsLabel) {
  for (const PiiCase& c : LoadPiiTable()) {
    const std::string out = redactor_.Redact(c.value);
    EXPECT_EQ(out, c.redacted) << c.value;
    EXPECT_EQ(out.find(c.value), std::string::npos) << c.value;
    EXPECT_NE(out.find(c.label), std::string::npos) << c.value;
  }
}

TEST_F(RedactorTest, ReplacesPiiInsideSentencesAndKeepsTheRest) {
  const std::vector<PiiCase> cases = LoadPiiTable();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const PiiCase& c = cases[i];
    const auto& [before, after] = kSentences[i % kSentences.size()];
    const std::string sentence = std::string(before) + c.value + std::string(after);
    const std::string out = redactor_.Redact(sentence);
    EXPECT_EQ(out, std::string(before) + c.redacted + std::string(after)) << sentence;
    EXPECT_EQ(out.find(c.value), std::string::npos) << sentence;
    EXPECT_NE(out.find(c.label), std::string::npos) << sentence;
  }
}

TEST_F(RedactorTest, LeavesCookingTextByteIdentical) {
  const std::vector<std::string> lines = ReadLines(std::string(kDataDir) + "/redactor_cooking.txt");
  ASSERT_GE(lines.size(), 200u) << "missing " << kDataDir << "/redactor_cooking.txt?";
  for (const std::string& line : lines) EXPECT_EQ(redactor_.Redact(line), line);
}

TEST_F(RedactorTest, LeavesCorpusLinesByteIdentical) {
  const std::vector<std::string> lines = SampleCorpusLines(100);
  ASSERT_EQ(lines.size(), 100u) << "cannot read " << kCorpus;
  for (const std::string& line : lines) EXPECT_EQ(redactor_.Redact(line), line);
}

// Strings shaped like PII that the validation rejects, with the reason.
constexpr std::array<std::pair<const char*, const char*>, 38> kLookalikes = {{
    {"4111 1111 1111 1112", "Luhn fails"},
    {"9780306406157", "an ISBN-13 is outside the card issuer ranges"},
    {"GB82WEST12345698765433", "mod-97 fails"},
    {"DE89370400440532013000X", "longer than a German IBAN"},
    {"1.2.3", "three parts"},
    {"1.2.3.4.5", "five parts"},
    {"256.1.1.1", "octet above 255"},
    {"10.0.0", "three parts"},
    {"std::string", "no digit"},
    {"12:30:45", "a time"},
    {"1:2:3", "a ratio"},
    {"::1", "one group"},
    {"cafe::beef", "no digit"},
    {"1:2:3:4:5:6:7:8:9", "nine groups"},
    {"+33 1 23", "too few digits"},
    {"+1 555", "too few digits"},
    {"555-0147", "seven digits"},
    {"123-4567", "seven digits"},
    {"1234567890", "area code starts with 1"},
    {"0123456789", "area code starts with 0"},
    {"task-force-alpha-bravo-charlie", "sk- inside a word"},
    {"sk-short", "too short"},
    {"sk-this-is-not-a-real-key-at-all", "no digit"},
    {"AKIA1234", "too short"},
    {"the bearer of good news", "no token"},
    {"Bearer bonds", "too short"},
    {"Basic Pancakes", "not base64 of user:password"},
    {"password: no", "too short"},
    {"AbstractSingletonProxyFactoryBean2024Impl", "an identifier"},
    {"recipe_rag_observability_unit_test_2024", "words and separators"},
    {"/api/v1/recipes/12345/ingredients/67890", "a path"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "no digit"},
    {"12345678901234567890123456789012345678901234567890", "no letter"},
    {"123e4567-e89b-12d3-a456-426614174000", "a UUID: request ids stay readable"},
    {"user at example dot com", "no @"},
    {"@handle", "no local part"},
    {"name@localhost", "no top-level domain"},
    {"C++20 and +5 minutes", "too few digits"},
}};

TEST_F(RedactorTest, LeavesLookalikesThatFailValidationAlone) {
  for (const auto& [text, why] : kLookalikes) EXPECT_EQ(redactor_.Redact(text), text) << why;
}

TEST_F(RedactorTest, SentencePunctuationStaysOutsideTheMatch) {
  EXPECT_EQ(redactor_.Redact("Mail jo@example.com. Call +1 202 555 0147. Host 10.0.0.1. "
                             "Gateway fe80::1: down. Send Bearer abc123def456ghi789. Card "
                             "4111111111111111, IBAN GB82WEST12345698765432; password: "
                             "hunter22)."),
            "Mail [EMAIL]. Call [PHONE]. Host [IP]. Gateway [IP]: down. Send Bearer [SECRET]. "
            "Card [CARD], IBAN [IBAN]; password: [SECRET]).");
}

TEST_F(RedactorTest, PreservesUtf8AroundMatches) {
  EXPECT_EQ(redactor_.Redact("Crème brûlée für 4 — écrivez à jean@example.fr ✓ 日本語 "
                             "+33 1 23 45 67 89 🍰 ½ tasse"),
            "Crème brûlée für 4 — écrivez à [EMAIL] ✓ 日本語 [PHONE] 🍰 ½ tasse");
  EXPECT_EQ(redactor_.Redact("«10.0.0.1»"), "«[IP]»");
  EXPECT_EQ(redactor_.Redact("ключ:sk-proj-abc123DEF456ghi789JKL012"), "ключ:[SECRET]");
}

TEST_F(RedactorTest, EmptyInputGivesEmptyOutput) { EXPECT_EQ(redactor_.Redact(""), ""); }

TEST_F(RedactorTest, ReplacesAdjacentMatchesSeparately) {
  EXPECT_EQ(redactor_.Redact("a@b.co,+1 202 555 0147;10.0.0.1 4111111111111111."),
            "[EMAIL],[PHONE];[IP] [CARD].");
  EXPECT_EQ(redactor_.Redact("jo@example.com jo@example.com"), "[EMAIL] [EMAIL]");
}

TEST_F(RedactorTest, LongBase64BlobIsOneSecret) {
  std::string blob;
  for (int i = 0; blob.size() < 100'000; ++i) blob += "Q2hlZjE" + std::to_string(i % 97) + "xYz";
  EXPECT_EQ(redactor_.Redact("image=" + blob + "=="), "image=[SECRET]");
}

// A unit repeated to 1 MB, built to produce a candidate every few bytes, and what the redactor
// makes of it: every unit replaced by `each`, or the whole text replaced by `whole`.
struct DenseInput {
  const char* unit;
  const char* each;   // nullptr: the unit is kept
  const char* whole;  // set when one match swallows the rest of the text
};
constexpr std::array<DenseInput, 25> kDenseInputs = {{
    {"a", nullptr, nullptr},
    {"a/", nullptr, nullptr},
    {"1", nullptr, nullptr},
    {"1.2.", nullptr, nullptr},
    {"1:", nullptr, nullptr},
    {"ab:", nullptr, nullptr},
    {"a@", nullptr, nullptr},
    {"x@a.", nullptr, nullptr},
    {"+1 ", nullptr, nullptr},
    {"AB12 ", nullptr, nullptr},
    {"1896 ", nullptr, nullptr},
    {"123.123.1234.", nullptr, nullptr},
    {"Bearer ", nullptr, nullptr},
    {"Bearer .", nullptr, nullptr},
    {"Basic QUFB", nullptr, nullptr},
    {"sk-", nullptr, nullptr},
    {"pk-lf-", nullptr, nullptr},
    {"ghp_a-", nullptr, nullptr},
    {"eyJaaaaaaaa-", nullptr, nullptr},
    {"jo@example.com ", "[EMAIL] ", nullptr},
    {"4111 1111 1111 1111 ", "[CARD] ", nullptr},
    {"1.2.3.4 ", "[IP] ", nullptr},
    {"(202) 555-0147 ", "[PHONE] ", nullptr},
    {"password=", nullptr, "password=[SECRET]"},
    {"xoxb-", nullptr, "[SECRET]"},
}};

TEST_F(RedactorTest, OneMegabyteInputsTakeLinearTime) {
  // Linear time is well under a second per megabyte; a quadratic scan would take hours.
  constexpr auto kLimit = 20s;
  std::string recipe;
  std::string expected;
  while (recipe.size() < (1u << 20)) {
    recipe += "Bake at 350°F for 25-30 minutes; serves 4-6 (call 202-555-0147). ";
    expected += "Bake at 350°F for 25-30 minutes; serves 4-6 (call [PHONE]). ";
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(redactor_.Redact(recipe), expected);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kLimit);
  for (const DenseInput& input : kDenseInputs) {
    std::string text;
    expected.clear();
    while (text.size() < (1u << 20)) {
      text += input.unit;
      expected += input.each != nullptr ? input.each : input.unit;
    }
    if (input.whole != nullptr) expected = input.whole;
    start = std::chrono::steady_clock::now();
    EXPECT_TRUE(redactor_.Redact(text) == expected) << input.unit;
    EXPECT_LT(std::chrono::steady_clock::now() - start, kLimit) << input.unit;
  }
}

TEST_F(RedactorTest, GivesTheSameAnswersFromManyThreads) {
  const std::vector<PiiCase> cases = LoadPiiTable();
  std::vector<std::string> expected;
  for (const PiiCase& c : cases) expected.push_back(redactor_.Redact("x " + c.value + " y"));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < cases.size(); ++i) {
          if (redactor_.Redact("x " + cases[i].value + " y") != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(RedactorModeTest, ParsesModeNames) {
  RedactMode mode = RedactMode::kOff;
  ASSERT_TRUE(ParseRedactMode("redact", &mode));
  EXPECT_EQ(mode, RedactMode::kRedact);
  ASSERT_TRUE(ParseRedactMode("hash", &mode));
  EXPECT_EQ(mode, RedactMode::kHash);
  ASSERT_TRUE(ParseRedactMode("off", &mode));
  EXPECT_EQ(mode, RedactMode::kOff);
  for (const char* bad : {"", "REDACT", "none", "hashed", "on"}) {
    EXPECT_FALSE(ParseRedactMode(bad, &mode)) << bad;
    EXPECT_EQ(mode, RedactMode::kOff) << bad;
  }
}

TEST(RedactorModeTest, OffModeReturnsTextUnchanged) {
  const Redactor off(RedactMode::kOff);
  EXPECT_EQ(off.mode(), RedactMode::kOff);
  for (const PiiCase& c : LoadPiiTable()) EXPECT_EQ(off.Redact(c.value), c.value);
  EXPECT_EQ(off.Redact(""), "");
}

TEST(RedactorModeTest, MovedRedactorKeepsWorking) {
  Redactor first(RedactMode::kRedact);
  const Redactor second = std::move(first);
  EXPECT_EQ(second.mode(), RedactMode::kRedact);
  EXPECT_EQ(second.Redact("mail jo@example.com"), "mail [EMAIL]");
}

TEST(RedactorHashTest, HmacMatchesRfc4231) {
  EXPECT_EQ(core::HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(core::HmacSha256Hex("", "john.doe@example.com"),
            "a0cf47e403b7f401b12d9c216e6966a7034fdabb26489fe02ca87d011b785040");
}

TEST(RedactorHashTest, TokenIsLabelAndFirstEightHexOfTheHmac) {
  const Redactor hashing(RedactMode::kHash, "test-key");
  EXPECT_EQ(hashing.mode(), RedactMode::kHash);
  // HMAC-SHA256("test-key", "john.doe@example.com") = 5ab6bc87…
  EXPECT_EQ(hashing.Redact("mail john.doe@example.com now"), "mail [EMAIL:5ab6bc87] now");
  // Card digits without their spaces: HMAC-SHA256("test-key", "4111111111111111") = b9a296a4…
  EXPECT_EQ(hashing.Redact("4111 1111 1111 1111"), "[CARD:b9a296a4]");
}

TEST(RedactorHashTest, EqualValuesGiveEqualTokensAcrossCallsAndInstances) {
  const Redactor a(RedactMode::kHash, "k1");
  const Redactor b(RedactMode::kHash, "k1");
  const std::string text = "jo@example.com wrote to jo@example.com";
  const std::string out = a.Redact(text);
  ASSERT_EQ(out.size(), std::string("[EMAIL:12345678] wrote to [EMAIL:12345678]").size()) << out;
  EXPECT_EQ(out.substr(0, 16), out.substr(out.size() - 16));
  EXPECT_EQ(a.Redact(text), out);
  EXPECT_EQ(b.Redact(text), out);
  // Formatting is not part of the value.
  EXPECT_EQ(a.Redact("4111 1111 1111 1111"), a.Redact("4111-1111-1111-1111"));
  EXPECT_EQ(a.Redact("4111 1111 1111 1111"), a.Redact("4111111111111111"));
  EXPECT_EQ(a.Redact("DE89 3704 0044 0532 0130 00"), a.Redact("DE89370400440532013000"));
  EXPECT_EQ(a.Redact("Jo@Example.COM"), a.Redact("jo@example.com"));
}

// The value behind a hash token as the header describes it: separators dropped from cards,
// IBANs and phone numbers, e-mail addresses and IPs lower-cased.
std::string HashedValue(const PiiCase& c) {
  std::string out;
  for (char ch : c.value) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(ch)) != 0;
    if (c.label == "[EMAIL]" || c.label == "[IP]") {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    } else if (c.label == "[SECRET]") {
      out.push_back(ch);
    } else if (alnum || ch == '+') {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    }
  }
  return c.label + out;
}

TEST(RedactorHashTest, TokensDifferExactlyWhenValuesDiffer) {
  const Redactor hashing(RedactMode::kHash, "k1");
  std::map<std::string, std::string> token_of_value;
  std::map<std::string, std::string> value_of_token;
  for (const PiiCase& c : LoadPiiTable()) {
    if (c.redacted != c.label) continue;  // "Bearer …": the token covers only part of the value
    const std::string out = hashing.Redact(c.value);
    const std::string prefix = c.label.substr(0, c.label.size() - 1) + ":";
    ASSERT_EQ(out.size(), prefix.size() + 9) << c.value << " -> " << out;
    EXPECT_EQ(out.substr(0, prefix.size()), prefix) << out;
    EXPECT_EQ(out.find_first_not_of("0123456789abcdef", prefix.size()), out.size() - 1) << out;
    const std::string value = HashedValue(c);
    const auto [by_value, new_value] = token_of_value.emplace(value, out);
    EXPECT_EQ(by_value->second, out) << c.value;  // the same value always gives the same token
    const auto [by_token, new_token] = value_of_token.emplace(out, value);
    EXPECT_EQ(by_token->second, value) << c.value;  // a token stands for one value only
  }
  EXPECT_GE(token_of_value.size(), 140u);
}

TEST(RedactorHashTest, KeyChangesTheToken) {
  const Redactor one(RedactMode::kHash, "key-one");
  const Redactor two(RedactMode::kHash, "key-two");
  EXPECT_NE(one.Redact("jo@example.com"), two.Redact("jo@example.com"));
}

}  // namespace
}  // namespace recipe_rag::observability
