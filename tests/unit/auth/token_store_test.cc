#include "auth/token_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.h"

namespace recipe_rag::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTokenA[] = "alpha-token-0001";
constexpr char kTokenB[] = "bravo-token-0002";
constexpr char kTokenC[] = "charlie-token-0003";

config::EnvLookup LookupIn(std::map<std::string, std::string> env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

std::string TokenId(const std::string& token) {
  return "tok_" + core::Sha256Hex(token).substr(0, 8);
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "token_store_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path.string();
  }

  static core::Result<TokenStore> FromRefs(const std::vector<std::string>& refs,
                                           std::map<std::string, std::string> env = {}) {
    return TokenStore::FromReferences(refs, {}, LookupIn(std::move(env)));
  }

  // Expects `r` to fail with InvalidArgument, and its message not to reveal `secret`.
  static std::string ExpectRejected(const core::Result<TokenStore>& r, const std::string& secret) {
    EXPECT_FALSE(r.ok());
    if (r.ok()) return {};
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
    if (!secret.empty()) {
      EXPECT_THAT(r.error().message, Not(HasSubstr(secret)));
    }
    return r.error().message;
  }

  std::filesystem::path dir_;
};

TEST_F(TokenStoreTest, EmptyStoreAcceptsNothing) {
  auto store = FromRefs({});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->size(), 0u);
  EXPECT_FALSE(store->Authenticate(Bearer(kTokenA)).ok());
}

TEST_F(TokenStoreTest, EnvReferenceReadsTheVariable) {
  auto store = FromRefs({"env:API_TOKEN"}, {{"API_TOKEN", kTokenA}});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 1u);
  auto p = store->Authenticate(Bearer(kTokenA));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->token_id, TokenId(kTokenA));
}

TEST_F(TokenStoreTest, EnvReferenceValueIsTrimmed) {
  auto store = FromRefs({"env:API_TOKEN"}, {{"API_TOKEN", std::string("  ") + kTokenA + "\n"}});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(store->Authenticate(Bearer(kTokenA)).ok());
}

TEST_F(TokenStoreTest, FileReferenceReadsEveryNonEmptyLine) {
  const auto path =
      WriteFile("tokens", std::string("\n") + kTokenA + "\n\n   \n" + kTokenB + "\r\n" + kTokenC);
  auto store = FromRefs({"file:" + path});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 3u);
  for (const std::string token : {kTokenA, kTokenB, kTokenC}) {
    auto p = store->Authenticate(Bearer(token));
    ASSERT_TRUE(p.ok()) << token;
    EXPECT_EQ(p->token_id, TokenId(token));
  }
}

TEST_F(TokenStoreTest, Sha256ReferenceAcceptsTheHashedToken) {
  auto store = FromRefs({"sha256:" + core::Sha256Hex(kTokenA)});
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto p = store->Authenticate(Bearer(kTokenA));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_id, TokenId(kTokenA));
  EXPECT_FALSE(store->Authenticate(Bearer(core::Sha256Hex(kTokenA))).ok());
}

TEST_F(TokenStoreTest, Sha256ReferenceIsCaseInsensitive) {
  std::string upper = core::Sha256Hex(kTokenA);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto store = FromRefs({"sha256:" + upper});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(store->Authenticate(Bearer(kTokenA)).ok());
}

TEST_F(TokenStoreTest, PlainTokensAreAccepted) {
  auto store = TokenStore::FromReferences({}, {kTokenA, kTokenB}, LookupIn({}));
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 2u);
  EXPECT_TRUE(store->Authenticate(Bearer(kTokenA)).ok());
  EXPECT_TRUE(store->Authenticate(Bearer(kTokenB)).ok());
}

TEST_F(TokenStoreTest, EachConfiguredTokenMapsToItsOwnPrincipal) {
  const auto path = WriteFile("tokens", std::string(kTokenB) + "\n");
  auto store =
      TokenStore::FromReferences({"env:T", "file:" + path, "sha256:" + core::Sha256Hex(kTokenC)},
                                 {"delta-token-0004"}, LookupIn({{"T", kTokenA}}));
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 4u);
  std::set<std::string> ids;
  for (const std::string token : {kTokenA, kTokenB, kTokenC, "delta-token-0004"}) {
    auto p = store->Authenticate(Bearer(token));
    ASSERT_TRUE(p.ok()) << token;
    EXPECT_EQ(p->token_id, TokenId(token));
    EXPECT_EQ(p->token_id.size(), 12u);
    EXPECT_THAT(p->token_id, Not(HasSubstr(token)));
    ids.insert(p->token_id);
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(TokenStoreTest, RejectsUnsetEnvVariable) {
  const auto m = ExpectRejected(FromRefs({"env:MISSING"}), "");
  EXPECT_THAT(m, HasSubstr("env:MISSING"));
  EXPECT_THAT(m, HasSubstr("auth.tokens"));
}

TEST_F(TokenStoreTest, RejectsBlankEnvVariable) {
  ExpectRejected(FromRefs({"env:BLANK"}, {{"BLANK", "   "}}), "");
}

TEST_F(TokenStoreTest, RejectsMissingFile) {
  const auto path = (dir_ / "absent").string();
  const auto m = ExpectRejected(FromRefs({"file:" + path}), "");
  EXPECT_THAT(m, HasSubstr("file:"));
}

TEST_F(TokenStoreTest, RejectsFileWithoutTokens) {
  const auto path = WriteFile("empty", "\n  \n\n");
  const auto m = ExpectRejected(FromRefs({"file:" + path}), "");
  EXPECT_THAT(m, HasSubstr("empty"));
}

TEST_F(TokenStoreTest, RejectsMalformedSha256) {
  const std::string good = core::Sha256Hex(kTokenA);
  for (const std::string& bad :
       {good.substr(1), good + "0", "g" + good.substr(1), std::string("not-a-hash-at-all")}) {
    const auto m = ExpectRejected(FromRefs({"sha256:" + bad}), bad);
    EXPECT_THAT(m, HasSubstr("sha256"));
  }
}

TEST_F(TokenStoreTest, RejectsTokenOfAnotherScheme) {
  for (const std::string& ref : {std::string("aws-sm:prod#token"), std::string(kTokenA),
                                 std::string("ENV:API_TOKEN"), std::string("")}) {
    // A bare token pasted into auth.tokens must not be echoed back.
    ExpectRejected(FromRefs({ref}, {{"API_TOKEN", kTokenB}}), ref == kTokenA ? ref : "");
  }
}

TEST_F(TokenStoreTest, RejectsShortTokensWithoutRevealingThem) {
  const std::string short_token = "s3cr3t7";  // 7 characters
  const auto path = WriteFile("tokens", std::string(kTokenA) + "\n" + short_token + "\n");
  EXPECT_THAT(ExpectRejected(FromRefs({"env:T"}, {{"T", short_token}}), short_token),
              HasSubstr("shorter than 8"));
  EXPECT_THAT(ExpectRejected(FromRefs({"file:" + path}), short_token), HasSubstr("shorter than 8"));
  EXPECT_THAT(
      ExpectRejected(TokenStore::FromReferences({}, {short_token}, LookupIn({})), short_token),
      HasSubstr("RECIPE_RAG_API_TOKENS"));
}

TEST_F(TokenStoreTest, EightCharacterTokenIsLongEnough) {
  auto store = TokenStore::FromReferences({}, {"12345678"}, LookupIn({}));
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(store->Authenticate(Bearer("12345678")).ok());
}

TEST_F(TokenStoreTest, ErrorsNeverContainAnotherReferencesToken) {
  // A valid env token followed by a broken reference: the message names only the broken one.
  auto r = FromRefs({"env:GOOD", "file:" + (dir_ / "absent").string()}, {{"GOOD", kTokenA}});
  ExpectRejected(r, kTokenA);
}

class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = TokenStore::FromReferences({}, {kTokenA, kTokenB}, LookupIn({}));
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_.emplace(std::move(store).value());
  }

  core::Result<Principal> Auth(std::optional<std::string_view> header) const {
    return store_->Authenticate(header);
  }

  // Expects Unauthenticated.
  static void ExpectUnauthenticated(const core::Result<Principal>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::kUnauthenticated);
  }

  std::optional<TokenStore> store_;
};

TEST_F(AuthenticateTest, MissingHeaderIsUnauthenticated) {
  ExpectUnauthenticated(Auth(std::nullopt));
  ExpectUnauthenticated(Auth(""));
}

TEST_F(AuthenticateTest, OtherSchemesAreUnauthenticated) {
  ExpectUnauthenticated(Auth(std::string("Basic ") + kTokenA));
  ExpectUnauthenticated(Auth(std::string("Token ") + kTokenA));
  ExpectUnauthenticated(Auth(std::string("Bearer: ") + kTokenA));
  ExpectUnauthenticated(Auth(std::string("Bearer") + kTokenA));
  ExpectUnauthenticated(Auth(kTokenA));
}

TEST_F(AuthenticateTest, BearerWithoutTokenIsUnauthenticated) {
  ExpectUnauthenticated(Auth("Bearer"));
  ExpectUnauthenticated(Auth("Bearer    "));
}

TEST_F(AuthenticateTest, SchemeIsCaseInsensitive) {
  for (const std::string scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    auto p = Auth(scheme + " " + kTokenA);
    ASSERT_TRUE(p.ok()) << scheme;
    EXPECT_EQ(p->token_id, TokenId(kTokenA));
  }
}

TEST_F(AuthenticateTest, ToleratesExtraSpaces) {
  EXPECT_TRUE(Auth(std::string("Bearer    ") + kTokenA).ok());
  EXPECT_TRUE(Auth(std::string("  Bearer ") + kTokenA + "   ").ok());
}

TEST_F(AuthenticateTest, WrongTokenIsUnauthenticated) {
  ExpectUnauthenticated(Auth(Bearer(kTokenC)));
  ExpectUnauthenticated(Auth(Bearer(std::string(kTokenA) + "x")));
  ExpectUnauthenticated(Auth(Bearer(std::string(kTokenA).substr(1))));
  ExpectUnauthenticated(Auth(Bearer("ALPHA-TOKEN-0001")));  // tokens are case-sensitive
  ExpectUnauthenticated(Auth(Bearer(std::string(kTokenA) + " " + kTokenB)));
}

TEST_F(AuthenticateTest, ErrorMessagesDoNotEchoThePresentedToken) {
  auto r = Auth(Bearer(kTokenC));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, Not(HasSubstr(kTokenC)));
}

TEST_F(AuthenticateTest, RightTokenYieldsTokenIdFromItsHash) {
  for (const std::string token : {kTokenA, kTokenB}) {
    auto p = Auth(Bearer(token));
    ASSERT_TRUE(p.ok()) << token;
    EXPECT_EQ(p->token_id, "tok_" + core::Sha256Hex(token).substr(0, 8));
  }
  // sha256("alpha-token-0001") = fb68b2a4...: a literal, so a change of the id scheme is noticed.
  auto p = Auth(Bearer(kTokenA));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_id, "tok_fb68b2a4");
}

TEST(GenerateTokenTest, HasPrefixAndUrlSafeBody) {
  const NewToken t = GenerateToken();
  ASSERT_EQ(t.token.rfind("rr_", 0), 0u) << t.token;
  const std::string body = t.token.substr(3);
  EXPECT_EQ(body.size(), 43u);  // 32 bytes, unpadded base64
  EXPECT_EQ(
      body.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

TEST(GenerateTokenTest, HashIsSha256OfTheToken) {
  const NewToken t = GenerateToken();
  EXPECT_EQ(t.sha256, core::Sha256Hex(t.token));
}

TEST(GenerateTokenTest, TwoTokensDiffer) {
  const NewToken a = GenerateToken();
  const NewToken b = GenerateToken();
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.sha256, b.sha256);
}

TEST(GenerateTokenTest, GeneratedTokenAuthenticatesViaItsHash) {
  const NewToken t = GenerateToken();
  auto store = TokenStore::FromReferences({"sha256:" + t.sha256}, {}, LookupIn({}));
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto p = store->Authenticate("Bearer " + t.token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_id, "tok_" + t.sha256.substr(0, 8));
}

}  // namespace
}  // namespace recipe_rag::auth
