#include "core/crypto.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace recipe_rag::core {
namespace {

constexpr char kSha256Empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSha256Abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crypto_test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return path;
}

TEST(Sha256HexTest, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), kSha256Empty);
  EXPECT_EQ(Sha256Hex("abc"), kSha256Abc);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HexTest, HashesEmbeddedNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256Hex(with_nul), Sha256Hex("a"));
  EXPECT_EQ(Sha256Hex(with_nul), Sha256Hex(std::string("a\0b", 3)));
}

TEST(Sha256HexTest, IsSixtyFourLowerCaseHexDigits) {
  const std::string h = Sha256Hex("recipe");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Sha256FileTest, MatchesSha256HexOfTheContents) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto abc = WriteFile(dir.path() / "abc.txt", "abc");
  const auto empty = WriteFile(dir.path() / "empty.txt", "");
  auto r = Sha256File(abc);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, kSha256Abc);
  auto e = Sha256File(empty);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(*e, kSha256Empty);
}

TEST(Sha256FileTest, StreamsFilesLargerThanOneBuffer) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string big(200'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  const auto path = WriteFile(dir.path() / "big.bin", big);
  auto r = Sha256File(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Sha256Hex(big));
}

TEST(Sha256FileTest, MissingFileIsNotFoundWithoutTheDirectory) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto r = Sha256File(dir.path() / "absent.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("absent.bin"), std::string::npos);
  EXPECT_EQ(r.error().message.find(dir.path().string()), std::string::npos);
}

TEST(ConstantTimeEqualsTest, ComparesContents) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret-token", "secret-token"));
  EXPECT_FALSE(ConstantTimeEquals("secret-token", "secret-tokeN"));
  EXPECT_FALSE(ConstantTimeEquals("Xecret-token", "secret-token"));
}

TEST(ConstantTimeEqualsTest, DifferentLengthsAreUnequal) {
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  // A prefix compared over the shorter length would look equal.
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("abc\0", 4), "abc"));
}

TEST(RandomTokenTest, LengthIsUnpaddedBase64OfTheBytes) {
  EXPECT_EQ(RandomToken(0).size(), 0u);
  EXPECT_EQ(RandomToken(1).size(), 2u);
  EXPECT_EQ(RandomToken(2).size(), 3u);
  EXPECT_EQ(RandomToken(3).size(), 4u);
  EXPECT_EQ(RandomToken(32).size(), 43u);
}

TEST(RandomTokenTest, UsesOnlyTheUrlSafeAlphabet) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string t = RandomToken(48);
    ASSERT_EQ(t.find_first_not_of(alphabet), std::string::npos) << t;
    seen.insert(t.begin(), t.end());
  }
  // 200 x 64 characters: every one of the 64 symbols shows up unless the encoder is broken.
  EXPECT_GT(seen.size(), 60u);
}

TEST(RandomTokenTest, TokensAreUnique) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) tokens.insert(RandomToken(16));
  EXPECT_EQ(tokens.size(), 1000u);
}

}  // namespace
}  // namespace recipe_rag::core

namespace recipe_rag::core {
namespace {

TEST(Base64DecodeTest, DecodesPaddedTextAndRefusesTheRest) {
  EXPECT_EQ(Base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(Base64Decode("aGk="), "hi");
  EXPECT_EQ(Base64Decode("aGlzcw=="), "hiss");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("AAAAAA=="), std::string(4, '\0'));
  EXPECT_EQ(Base64Decode("aGk"), std::nullopt);
  EXPECT_EQ(Base64Decode("a*k="), std::nullopt);
}

}  // namespace
}  // namespace recipe_rag::core
