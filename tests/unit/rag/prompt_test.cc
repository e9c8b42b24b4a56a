#include "rag/prompt.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace recipe_rag::rag {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kGood = R"(
description = "test"
system = "Answer from the recipes only."
user = "Q: {{question}}\nR:\n{{ recipes }}"
[model]
temperature = 0.5
max_tokens = 300
)";

TEST(PromptTest, ParsesAndRendersBothTemplates) {
  auto p = ParsePrompt(kGood, "grounded", "2");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->ref(), "grounded@2");
  EXPECT_EQ(p->description, "test");
  EXPECT_EQ(p->model.temperature, 0.5);
  EXPECT_EQ(p->model.max_tokens, 300);
  EXPECT_FALSE(p->model.top_p.has_value());
  const PromptInputs inputs{"how to boil {{an egg}}", "1. Boiled Egg [farmer-0001]"};
  EXPECT_EQ(p->RenderSystem(inputs), "Answer from the recipes only.");
  // Inputs are inserted as they are: braces in a question are not placeholders.
  EXPECT_EQ(p->RenderUser(inputs), "Q: how to boil {{an egg}}\nR:\n1. Boiled Egg [farmer-0001]");
}

TEST(PromptTest, BadFilesSayWhatIsWrong) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"system = \"s\"\nuser = ", "line"},
      {"user = \"{{question}}\"", "system"},
      {"system = \"  \"\nuser = \"u\"", "system"},
      {"system = \"s\"\nuser = \"{{question}} {{answer}}\"", "unknown placeholder {{answer}}"},
      {"system = \"s {{question\"\nuser = \"u\"", "unclosed"},
      {"system = \"s\"\nuser = \"u\"\ncolor = 1", "unknown key 'color'"},
      {"system = \"s\"\nuser = \"u\"\n[model]\ntemperature = 3.0", "model.temperature"},
      {"system = \"s\"\nuser = \"u\"\n[model]\nmax_tokens = 0", "model.max_tokens"},
      {"system = \"s\"\nuser = \"u\"\n[model]\nseed = 1", "model.seed"},
      {"system = \"s\"\nuser = \"u\"\nmodel = 1", "model: a table"},
  };
  for (const auto& [text, says] : cases) {
    auto p = ParsePrompt(text, "p", "1");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().message.find(says), std::string::npos)
        << text << " → " << p.error().message;
  }
  for (const auto* name : {"", "../etc", "Upper", "a/b", ".hidden"}) {
    EXPECT_FALSE(ParsePrompt(kGood, name, "1").ok()) << name;
    EXPECT_FALSE(ParsePrompt(kGood, "p", name).ok()) << name;
  }
}

class PromptRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "recipe-rag-prompts-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, std::string_view text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  fs::path dir_;
};

TEST_F(PromptRegistryTest, FindsByVersionAndPicksTheHighestNumber) {
  Write("grounded/1.toml", kGood);
  Write("grounded/2.toml", kGood);
  Write("grounded/10.toml", kGood);
  Write("grounded/notes.txt", "not a prompt");
  Write("terse/a.toml", kGood);
  auto registry = PromptRegistry::Load(dir_);
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  EXPECT_EQ(registry->size(), 4u);
  auto latest = registry->Find("grounded");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->ref(), "grounded@10");  // 10 > 2 as numbers
  auto two = registry->Find("grounded@2");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ((*two)->version, "2");
  EXPECT_EQ(registry->Find("grounded@3").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(registry->Find("missing").error().code, core::ErrorCode::kNotFound);
}

TEST_F(PromptRegistryTest, ABadFileFailsTheLoadNamingIt) {
  Write("grounded/1.toml", kGood);
  Write("grounded/2.toml", "system = \"s\"\nuser = \"{{nope}}\"");
  auto registry = PromptRegistry::Load(dir_);
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.error().message.find("grounded/2.toml"), std::string::npos);
  EXPECT_EQ(PromptRegistry::Load(dir_ / "absent").error().code, core::ErrorCode::kNotFound);
}

// The shipped prompts load, and the default one carries the grounding rule.
TEST(ShippedPromptsTest, LoadAndGround) {
  auto registry = PromptRegistry::Load(fs::path(RECIPE_RAG_SOURCE_DIR) / "prompts");
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  auto p = registry->Find("grounded-answer@1");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NE((*p)->system.find("only from the recipes"), std::string::npos);
  EXPECT_NE((*p)->system.find("cite its id"), std::string::npos);
  EXPECT_NE((*p)->RenderUser({"eggs?", "R1"}).find("Question: eggs?"), std::string::npos);
}

}  // namespace
}  // namespace recipe_rag::rag
