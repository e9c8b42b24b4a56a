#include "cost/prices.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace recipe_rag::cost {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRepoPrices[] = RECIPE_RAG_SOURCE_DIR "/prices";

class PriceTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "prices_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << text;
  }

  // A valid file for `provider` effective on `date` pricing one model.
  void WriteSheet(const std::string& provider, const std::string& date, const std::string& model,
                  double input, double output = 0) {
    Write(provider + "-" + date + ".toml",
          "provider = \"" + provider + "\"\neffective = \"" + date +
              "\"\ncurrency = \"USD\"\nsource = \"https://example.com/pricing\"\n[models.\"" +
              model + "\"]\ninput = " + std::to_string(input) +
              "\noutput = " + std::to_string(output) + "\n");
  }

  std::filesystem::path dir_;
};

TEST_F(PriceTableTest, RepositoryPricesLoadAndPriceOpenAiModels) {
  auto table = PriceTable::LoadDirectory(kRepoPrices, "2026-11-28");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->sheets().size(), 1u);
  EXPECT_EQ(table->sheets()[0].provider, "openai");
  EXPECT_EQ(table->sheets()[0].file, "openai-2026-11-01.toml");

  const auto mini = table->Find("gpt-4o-mini");
  ASSERT_TRUE(mini.has_value());
  EXPECT_DOUBLE_EQ(mini->input, 0.15);
  EXPECT_DOUBLE_EQ(mini->cached_input, 0.075);
  EXPECT_DOUBLE_EQ(mini->output, 0.60);

  const auto gpt5 = table->Find("gpt-5");
  ASSERT_TRUE(gpt5.has_value());
  EXPECT_DOUBLE_EQ(gpt5->input, 1.25);
  EXPECT_DOUBLE_EQ(gpt5->cached_input, 0.125);
  EXPECT_DOUBLE_EQ(gpt5->output, 10.0);

  // 1M tokens in and 1M out: the two list prices added.
  EXPECT_DOUBLE_EQ(*table->Cost("gpt-4o-mini", {1'000'000, 0, 1'000'000}), 0.75);
  EXPECT_DOUBLE_EQ(*table->Cost("gpt-4.1-nano", {2'000'000, 0, 0}), 0.20);
  // Embeddings are input only.
  EXPECT_DOUBLE_EQ(*table->Cost("text-embedding-3-small", {1'000'000, 0, 0}), 0.02);
  EXPECT_DOUBLE_EQ(table->Find("text-embedding-3-large")->output, 0.0);
  EXPECT_DOUBLE_EQ(table->Find("text-embedding-ada-002")->input, 0.10);
}

TEST_F(PriceTableTest, CachedTokensArePartOfInputAndChargedAtTheCachedRate) {
  auto table = PriceTable::LoadDirectory(kRepoPrices, "2026-11-28");
  ASSERT_TRUE(table.ok()) << table.error().message;
  // 600 uncached x 0.15 + 400 cached x 0.075 + 100 out x 0.60, per 1M.
  EXPECT_NEAR(*table->Cost("gpt-4o-mini", {1000, 400, 100}), (90.0 + 30.0 + 60.0) / 1e6, 1e-15);
  // Cached beyond input is capped; negative counts read as 0.
  EXPECT_NEAR(*table->Cost("gpt-4o-mini", {100, 500, -3}), 100 * 0.075 / 1e6, 1e-15);
}

TEST_F(PriceTableTest, CachedInputDefaultsToInputAndOutputToZero) {
  Write("acme-2026-01-01.toml", R"(provider = "acme"
effective = "2026-01-01"
currency = "USD"
source = "https://acme.example/pricing"
[models."acme-embed"]
input = 0.5
)");
  auto table = PriceTable::LoadDirectory(dir_, "2026-02-01");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_DOUBLE_EQ(*table->Cost("acme-embed", {2'000'000, 1'000'000, 5}), 1.0);
}

TEST_F(PriceTableTest, DatedSnapshotsUseTheLongestListedName) {
  auto table = PriceTable::LoadDirectory(kRepoPrices, "2026-11-28");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_TRUE(table->Find("gpt-4o-mini-2024-07-18").has_value());
  EXPECT_DOUBLE_EQ(table->Find("gpt-4o-mini-2024-07-18")->input, 0.15);  // not gpt-4o's
  EXPECT_DOUBLE_EQ(table->Find("gpt-4o-2024-08-06")->input, 2.50);
  EXPECT_DOUBLE_EQ(table->Find("gpt-4.1-mini-2025-04-14")->input, 0.40);
  EXPECT_DOUBLE_EQ(table->Find("gpt-5-nano-2025-08-07")->input, 0.05);
  EXPECT_DOUBLE_EQ(*table->Cost("gpt-4o-mini-2024-07-18", {1'000'000, 0, 0}), 0.15);

  // Other suffixes are other models, with other prices.
  EXPECT_FALSE(table->Find("o3-pro").has_value());
  EXPECT_FALSE(table->Find("gpt-4o-realtime-preview").has_value());
  EXPECT_FALSE(table->Find("gpt-4o-mini-2024-13-45").has_value());  // not a date
  EXPECT_FALSE(table->Find("gpt-4o-").has_value());
  EXPECT_FALSE(table->Find("gpt").has_value());
  EXPECT_FALSE(table->Find("").has_value());
  EXPECT_FALSE(table->Cost("claude-3-haiku", {10, 0, 10}).has_value());
}

TEST_F(PriceTableTest, FourDigitSnapshotsMatchToo) {
  WriteSheet("openai", "2023-06-13", "gpt-4", 30.0, 60.0);
  auto table = PriceTable::LoadDirectory(dir_, "2023-07-01");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_DOUBLE_EQ(table->Find("gpt-4-0613")->input, 30.0);
  EXPECT_FALSE(table->Find("gpt-4-06130").has_value());
}

TEST_F(PriceTableTest, PicksTheNewestFileInEffectPerProvider) {
  WriteSheet("openai", "2026-01-01", "gpt-x", 0.15);
  WriteSheet("openai", "2026-06-01", "gpt-x", 0.10);
  WriteSheet("acme", "2026-03-15", "acme-1", 1.0);

  auto before = PriceTable::LoadDirectory(dir_, "2025-12-31");
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_FALSE(before->Find("gpt-x").has_value());
  EXPECT_TRUE(before->sheets().empty());

  auto first = PriceTable::LoadDirectory(dir_, "2026-03-01");
  ASSERT_TRUE(first.ok());
  EXPECT_DOUBLE_EQ(first->Find("gpt-x")->input, 0.15);
  EXPECT_FALSE(first->Find("acme-1").has_value());  // acme's file is not in effect yet

  auto second = PriceTable::LoadDirectory(dir_, "2026-06-01");  // effective date included
  ASSERT_TRUE(second.ok());
  EXPECT_DOUBLE_EQ(second->Find("gpt-x")->input, 0.10);
  EXPECT_DOUBLE_EQ(second->Find("acme-1")->input, 1.0);
  ASSERT_EQ(second->sheets().size(), 2u);
  EXPECT_EQ(second->sheets()[0].provider, "acme");
  EXPECT_EQ(second->sheets()[1].effective, "2026-06-01");
  EXPECT_EQ(second->sheets()[1].source, "https://example.com/pricing");
}

TEST_F(PriceTableTest, OtherFilesAreIgnored) {
  WriteSheet("openai", "2026-01-01", "gpt-x", 0.15);
  Write("README.md", "not toml = [");
  Write("openai-2026-02-01.toml.bak", "broken = [");
  auto table = PriceTable::LoadDirectory(dir_, "2026-03-01");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_DOUBLE_EQ(table->Find("gpt-x")->input, 0.15);
}

TEST_F(PriceTableTest, EveryProblemIsReportedWithFileAndKey) {
  Write("openai-2026-01-01.toml", R"(provider = "openai"
effective = "2026-01-01"
currency = "EUR"
source = "https://openai.com/api/pricing/"
discount = 0.1
[models."gpt-a"]
input = -1
output = "cheap"
[models."gpt-b"]
cached_input = 0.1
extra = 1
)");
  Write("acme-2026-02-01.toml", R"(provider = "acme"
effective = "2026-01-15"
currency = "USD"
source = "x"
[models."acme-1"]
input = 1
)");
  Write("broken-2026-01-01.toml", "provider = \"broken\"\n[models\ninput = 1\n");
  Write("future-2099-01-01.toml", R"(provider = "future"
effective = "2099-01-01"
currency = "USD"
source = "x"
)");
  auto table = PriceTable::LoadDirectory(dir_, "2026-03-01");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().code, core::ErrorCode::kInvalidArgument);
  const std::string& m = table.error().message;
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: currency: must be USD"));
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: discount: unknown key"));
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: models.gpt-a.input: must be a non-negative"));
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: models.gpt-a.output: must be a number"));
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: models.gpt-b.input: missing"));
  EXPECT_THAT(m, HasSubstr("openai-2026-01-01.toml: models.gpt-b.extra: unknown key"));
  EXPECT_THAT(m, HasSubstr("acme-2026-02-01.toml: effective: provider and date must match"));
  EXPECT_THAT(m, HasSubstr("broken-2026-01-01.toml:2:"));  // TOML syntax, with line
  // A file not yet in effect is checked too.
  EXPECT_THAT(m, HasSubstr("future-2099-01-01.toml: models: missing"));
  EXPECT_THAT(m, Not(HasSubstr(dir_.string())));
}

TEST_F(PriceTableTest, MissingHeaderKeysAndBadDatesAreReported) {
  Write("x-2026-01-01.toml", R"(effective = "2026-02-30"
[models."m"]
input = 1
)");
  auto table = PriceTable::LoadDirectory(dir_, "2026-03-01");
  ASSERT_FALSE(table.ok());
  const std::string& m = table.error().message;
  EXPECT_THAT(m, HasSubstr("x-2026-01-01.toml: provider: missing"));
  EXPECT_THAT(m, HasSubstr("x-2026-01-01.toml: effective: must be a date written YYYY-MM-DD"));
  EXPECT_THAT(m, HasSubstr("x-2026-01-01.toml: currency: missing"));
  EXPECT_THAT(m, HasSubstr("x-2026-01-01.toml: source: missing"));
}

TEST_F(PriceTableTest, AModelPricedByTwoProvidersIsAnError) {
  WriteSheet("openai", "2026-01-01", "shared-model", 1.0);
  WriteSheet("azure", "2026-01-01", "shared-model", 1.1);
  auto table = PriceTable::LoadDirectory(dir_, "2026-03-01");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.error().message, HasSubstr("models.shared-model: also priced in"));
}

TEST_F(PriceTableTest, TomlDatesAreAcceptedForEffective) {
  Write("acme-2026-01-01.toml", R"(provider = "acme"
effective = 2026-01-01
currency = "USD"
source = "x"
[models."acme-1"]
input = 2
)");
  auto table = PriceTable::LoadDirectory(dir_, "2026-01-01");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_DOUBLE_EQ(table->Find("acme-1")->input, 2.0);
}

TEST_F(PriceTableTest, MissingDirectoryAndBadDateAreErrors) {
  auto missing = PriceTable::LoadDirectory(dir_ / "nope", "2026-01-01");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("nope"));
  EXPECT_THAT(missing.error().message, Not(HasSubstr(dir_.string())));

  auto bad_date = PriceTable::LoadDirectory(dir_, "01/01/2026");
  ASSERT_FALSE(bad_date.ok());
  EXPECT_EQ(bad_date.error().code, core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace recipe_rag::cost
