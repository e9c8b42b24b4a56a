// The OTLP encoder against the OpenTelemetry project's own decoder: every request is decoded
// by tests/js/otlp_decode.mjs (@opentelemetry/otlp-transformer's generated protobuf code, in
// tests/js/node_modules, installed by scripts/setup) and every field is compared.
#include "observability/otlp.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace recipe_rag::observability {
namespace {

using Json = nlohmann::json;

constexpr char kDecoder[] = RECIPE_RAG_SOURCE_DIR "/tests/js/otlp_decode.mjs";
constexpr char kTransformer[] =
    RECIPE_RAG_SOURCE_DIR "/tests/js/node_modules/@opentelemetry/otlp-transformer";
constexpr std::int64_t kT0 = 1'700'000'000'123'456'789;  // 2023-11-14, in Unix nanoseconds
constexpr std::uint32_t kSampledLocalParentFlags = 0x101;

// Writes `bytes` to a temporary file, runs the decoder on it and parses what it printed.
// Records a test failure (and returns null) when the decoder fails.
Json Decode(const std::string& bytes) {
  std::string path = (std::filesystem::temp_directory_path() / "otlp_test.XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    ADD_FAILURE() << "mkstemp failed";
    return nullptr;
  }
  const bool written = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  close(fd);
  std::string output;
  int status = -1;
  if (written) {
    const std::string command = "node '" + std::string(kDecoder) + "' '" + path + "'";
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buffer[65536];
      std::size_t n;
      while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
      status = pclose(pipe);
    }
  }
  unlink(path.c_str());
  if (!written || status != 0) {
    ADD_FAILURE() << "decoding failed (status " << status << "); output: " << output.substr(0, 500);
    return nullptr;
  }
  Json json = Json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) ADD_FAILURE() << "decoder printed no JSON: " << output.substr(0, 500);
  return json;
}

// prefix + decimal n (spelled out: GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string Numbered(std::string_view prefix, std::size_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

SpanData MakeSpan(std::string name, SpanId parent = {}) {
  SpanData span;
  span.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  span.span_id = SpanId::Random();
  span.parent_span_id = parent;
  span.name = std::move(name);
  span.start_unix_nano = kT0;
  span.end_unix_nano = kT0 + 2'500'000;
  return span;
}

// The spans of the one ResourceSpans / ScopeSpans, after checking that shape.
Json SpansOf(const Json& request) {
  EXPECT_EQ(request["resourceSpans"].size(), 1u) << request.dump().substr(0, 500);
  EXPECT_EQ(request["resourceSpans"][0]["scopeSpans"].size(), 1u);
  return request["resourceSpans"][0]["scopeSpans"][0].value("spans", Json::array());
}

// Compares decoded KeyValues with the attributes they were encoded from, value type included.
void ExpectAttributes(const Json& decoded, const std::vector<Attribute>& want) {
  ASSERT_EQ(decoded.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(Numbered("attribute ", i) + " " + want[i].key);
    const Json& kv = decoded[i];
    EXPECT_EQ(kv.value("key", ""), want[i].key);
    const Json& v = kv["value"];
    if (const auto* s = std::get_if<std::string>(&want[i].value)) {
      EXPECT_EQ(v["value"], "stringValue");
      EXPECT_EQ(v["stringValue"], *s);
    } else if (const auto* n = std::get_if<std::int64_t>(&want[i].value)) {
      EXPECT_EQ(v["value"], "intValue");
      EXPECT_EQ(v["intValue"], std::to_string(*n));  // int64 read back as a decimal string
    } else if (const auto* d = std::get_if<double>(&want[i].value)) {
      EXPECT_EQ(v["value"], "doubleValue");
      if (std::isnan(*d)) {
        EXPECT_EQ(v["doubleValue"], "NaN");
      } else if (std::isinf(*d)) {
        EXPECT_EQ(v["doubleValue"], *d > 0 ? "Infinity" : "-Infinity");
      } else {
        ASSERT_TRUE(v["doubleValue"].is_number()) << v.dump();
        EXPECT_EQ(v["doubleValue"].get<double>(), *d);  // bit-exact through fixed64
      }
    } else {
      EXPECT_EQ(v["value"], "boolValue");
      EXPECT_EQ(v["boolValue"], std::get<bool>(want[i].value));
    }
  }
}

class OtlpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::is_directory(kTransformer))
        << "@opentelemetry/otlp-transformer is missing from tests/js: run scripts/setup";
  }
  InstrumentationScope scope_{"recipe-rag", "1.4.0"};
};

TEST_F(OtlpTest, RequestHoldsOneResourceSpansWithTheResourceAndTheScope) {
  const std::vector<Attribute> resource = {{"service.name", std::string("recipe-rag")},
                                           {"service.instance.id", std::string("host-1:8080")},
                                           {"process.pid", std::int64_t{4242}}};
  const Json request = Decode(EncodeExportTraceServiceRequest(resource, scope_, {MakeSpan("a")}));
  ASSERT_FALSE(request.is_null());
  EXPECT_EQ(SpansOf(request).size(), 1u);
  const Json& rs = request["resourceSpans"][0];
  ExpectAttributes(rs["resource"]["attributes"], resource);
  EXPECT_EQ(rs["scopeSpans"][0]["scope"], (Json{{"name", "recipe-rag"}, {"version", "1.4.0"}}));
  EXPECT_FALSE(rs.contains("schemaUrl"));
}

TEST_F(OtlpTest, EveryAttributeTypeDecodesAsItsAnyValueMember) {
  SpanData span = MakeSpan("types");
  span.attributes = {
      {"s", std::string("tomato soup")},
      {"empty", std::string()},  // a oneof member is written even when it is the default
      {"zero", std::int64_t{0}},
      {"one", std::int64_t{1}},
      {"minus.one", std::int64_t{-1}},  // ten-byte varint
      {"two.bytes", std::int64_t{300}},
      {"max", std::numeric_limits<std::int64_t>::max()},
      {"min", std::numeric_limits<std::int64_t>::min()},
      {"beyond.double", std::int64_t{9'007'199'254'740'993}},  // 2^53 + 1
      {"pi", 3.141592653589793},
      {"negative", -0.5},
      {"double.zero", 0.0},
      {"huge", 1e300},
      {"tiny", std::numeric_limits<double>::denorm_min()},
      {"inf", std::numeric_limits<double>::infinity()},
      {"nan", std::numeric_limits<double>::quiet_NaN()},
      {"yes", true},
      {"no", false},
  };
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, {span}));
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 1u);
  ExpectAttributes(spans[0]["attributes"], span.attributes);
}

TEST_F(OtlpTest, KindsAndStatusesDecodeAsOtlpEnums) {
  struct Case {
    SpanKind kind;
    StatusCode status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {SpanKind::kInternal, StatusCode::kUnset, ""},
      {SpanKind::kServer, StatusCode::kOk, ""},
      {SpanKind::kClient, StatusCode::kError, "upstream 503 after 3 attempts"},
      {SpanKind::kServer, StatusCode::kUnset, "unset, with a message"},
  };
  std::vector<SpanData> spans;
  for (const Case& c : cases) {
    SpanData span = MakeSpan("kind");
    span.kind = c.kind;
    span.status = c.status;
    span.status_message = c.message;
    spans.push_back(span);
  }
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, spans));
  ASSERT_FALSE(request.is_null());
  const Json decoded = SpansOf(request);
  ASSERT_EQ(decoded.size(), cases.size());
  // SPAN_KIND_INTERNAL=1, SERVER=2, CLIENT=3; STATUS_CODE_UNSET=0 (absent), OK=1, ERROR=2.
  EXPECT_EQ(decoded[0]["kind"], 1);
  EXPECT_FALSE(decoded[0].contains("status"));
  EXPECT_EQ(decoded[1]["kind"], 2);
  EXPECT_EQ(decoded[1]["status"], (Json{{"code", 1}}));
  EXPECT_EQ(decoded[2]["kind"], 3);
  EXPECT_EQ(decoded[2]["status"],
            (Json{{"code", 2}, {"message", "upstream 503 after 3 attempts"}}));
  EXPECT_EQ(decoded[3]["status"], (Json{{"message", "unset, with a message"}}));
}

TEST_F(OtlpTest, RootSpanHasNoParentAndTheChildNamesIt) {
  SpanData root = MakeSpan("POST /v1/ask");
  root.kind = SpanKind::kServer;
  SpanData child = MakeSpan("retrieval.search", root.span_id);
  child.start_unix_nano = kT0 + 1'000;
  child.end_unix_nano = kT0 + 1'999'999;
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, {root, child}));
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 2u);
  const Json want_root = {{"traceId", "4bf92f3577b34da6a3ce929d0e0e4736"},
                          {"spanId", root.span_id.Hex()},
                          {"name", "POST /v1/ask"},
                          {"kind", 2},
                          {"startTimeUnixNano", "1700000000123456789"},
                          {"endTimeUnixNano", "1700000000125956789"},
                          {"flags", kSampledLocalParentFlags}};
  EXPECT_EQ(spans[0], want_root);  // no parentSpanId, no attributes, no status
  const Json want_child = {{"traceId", "4bf92f3577b34da6a3ce929d0e0e4736"},
                           {"spanId", child.span_id.Hex()},
                           {"parentSpanId", root.span_id.Hex()},
                           {"name", "retrieval.search"},
                           {"kind", 1},
                           {"startTimeUnixNano", "1700000000123457789"},
                           {"endTimeUnixNano", "1700000000125456788"},
                           {"flags", kSampledLocalParentFlags}};
  EXPECT_EQ(spans[1], want_child);
}

TEST_F(OtlpTest, TimesAreUnsigned64BitNanoseconds) {
  SpanData span = MakeSpan("times");
  span.start_unix_nano = 0;
  span.end_unix_nano = std::numeric_limits<std::int64_t>::max();
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, {span}));
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]["startTimeUnixNano"], "0");
  EXPECT_EQ(spans[0]["endTimeUnixNano"], "9223372036854775807");
}

TEST_F(OtlpTest, UnicodeIsCopiedUnchanged) {
  const std::string name = "Bœuf bourguignon — 牛肉 🍲";
  SpanData span = MakeSpan(name);
  span.attributes = {{"ingrédient", std::string("crème fraîche, 🥚 × 2, ½ tsp")}};
  span.status = StatusCode::kError;
  span.status_message = "délai dépassé ⏱";
  const InstrumentationScope scope{"récipé", "1.0-β"};
  const std::vector<Attribute> resource = {{"host.名前", std::string("キッチン")}};
  const std::string bytes = EncodeExportTraceServiceRequest(resource, scope, {span});
  EXPECT_NE(bytes.find(name), std::string::npos);  // the UTF-8 bytes themselves
  const Json request = Decode(bytes);
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]["name"], name);
  ExpectAttributes(spans[0]["attributes"], span.attributes);
  EXPECT_EQ(spans[0]["status"]["message"], "délai dépassé ⏱");
  ExpectAttributes(request["resourceSpans"][0]["resource"]["attributes"], resource);
  EXPECT_EQ(request["resourceSpans"][0]["scopeSpans"][0]["scope"],
            (Json{{"name", "récipé"}, {"version", "1.0-β"}}));
}

TEST_F(OtlpTest, InvalidUtf8IsReplacedSubpartBySubpart) {
  // Checked in the encoded bytes (Node's decoder would hide raw invalid bytes by replacing
  // them itself) and through the decoder.
  struct Case {
    std::string raw;
    std::string clean;
  };
  const std::vector<Case> cases = {
      {"caf\xC3", "caf\uFFFD"},                              // cut mid-character
      {"\xED\xA0\x80!", "\uFFFD\uFFFD\uFFFD!"},              // UTF-16 surrogate half
      {"\xC0\xAF", "\uFFFD\uFFFD"},                          // overlong '/'
      {"\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},      // above U+10FFFF
      {"\xF0\x9F\x8D", "\uFFFD"},                            // 🍲 without its last byte
      {"a \xE2\x82 b \xFF\xFE", "a \uFFFD b \uFFFD\uFFFD"},  // short sequence, stray bytes
      {"\xE2\x82\xAC ok 🍲", "€ ok 🍲"},                       // valid: unchanged
  };
  SpanData span = MakeSpan("bad \xFF name");
  span.status = StatusCode::kError;
  span.status_message = "\x80";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    span.attributes.push_back({Numbered("k\xC3", i), cases[i].raw});
  }
  const std::string bytes = EncodeExportTraceServiceRequest({}, scope_, {span});
  for (const Case& c : cases) {
    EXPECT_NE(bytes.find("\x12" + std::string(1, static_cast<char>(c.clean.size() + 2)) + "\x0A" +
                         std::string(1, static_cast<char>(c.clean.size())) + c.clean),
              std::string::npos)
        << c.clean;  // KeyValue.value { string_value: clean }
  }
  EXPECT_EQ(bytes.find("\xED\xA0\x80"), std::string::npos);
  EXPECT_EQ(bytes.find('\xFF'), std::string::npos);

  const Json request = Decode(bytes);
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]["name"], "bad \uFFFD name");
  EXPECT_EQ(spans[0]["status"]["message"], "\uFFFD");
  const Json& a = spans[0]["attributes"];
  ASSERT_EQ(a.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(a[i]["key"], Numbered("k\uFFFD", i));
    EXPECT_EQ(a[i]["value"]["stringValue"], cases[i].clean);
  }
}

TEST_F(OtlpTest, LargeValuesKeepEveryByte) {
  SpanData span = MakeSpan(std::string(20'000, 'n'));  // three-byte length prefixes
  for (std::size_t size : {127u, 128u, 16'383u, 16'384u, 2'100'000u}) {
    std::string value(size, 'x');
    for (std::size_t i = 0; i < size; i += 97) value[i] = static_cast<char>('a' + i % 26);
    span.attributes.push_back({Numbered("len.", size), value});
  }
  for (int i = 0; i < 1000; ++i) span.attributes.push_back({Numbered("n", i), std::int64_t{i} * 7});
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, {span}));
  ASSERT_FALSE(request.is_null());
  const Json spans = SpansOf(request);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]["name"], span.name);
  ExpectAttributes(spans[0]["attributes"], span.attributes);
}

TEST_F(OtlpTest, EmptySpanListGivesAScopeSpansWithoutSpans) {
  const std::string bytes = EncodeExportTraceServiceRequest({}, {"s", ""}, {});
  // resource_spans { resource {} scope_spans { scope { name: "s" } } }
  EXPECT_EQ(bytes, std::string("\x0A\x09\x0A\x00\x12\x05\x0A\x03\x0A\x01s", 11));
  const Json request = Decode(bytes);
  ASSERT_FALSE(request.is_null());
  EXPECT_TRUE(SpansOf(request).empty());
  EXPECT_EQ(request["resourceSpans"][0]["resource"], Json::object());
  EXPECT_EQ(request["resourceSpans"][0]["scopeSpans"][0]["scope"], (Json{{"name", "s"}}));
}

TEST_F(OtlpTest, ThousandsOfSpansDecodeInOrder) {
  const SpanData root = MakeSpan("root");
  std::vector<SpanData> spans = {root};
  for (int i = 0; i < 3000; ++i) {
    SpanData span = MakeSpan(Numbered("span ", i), root.span_id);
    span.attributes = {{"i", std::int64_t{i}},
                       {"even", i % 2 == 0},
                       {"text", std::string(static_cast<std::size_t>(i % 200), 'q')}};
    spans.push_back(std::move(span));
  }
  const Json request = Decode(EncodeExportTraceServiceRequest({}, scope_, spans));
  ASSERT_FALSE(request.is_null());
  const Json decoded = SpansOf(request);
  ASSERT_EQ(decoded.size(), spans.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    SCOPED_TRACE(Numbered("span ", i));
    EXPECT_EQ(decoded[i]["spanId"], spans[i].span_id.Hex());
    EXPECT_EQ(decoded[i]["name"], spans[i].name);
    EXPECT_EQ(decoded[i].contains("parentSpanId"), i != 0);
    ExpectAttributes(decoded[i].value("attributes", Json::array()), spans[i].attributes);
    ids.insert(decoded[i]["spanId"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), spans.size());
}

TEST_F(OtlpTest, DecoderRejectsATruncatedRequest) {
  // The check itself can fail: a request cut short is not read as a smaller one.
  std::string bytes = EncodeExportTraceServiceRequest({}, scope_, {MakeSpan("cut")});
  bytes.resize(bytes.size() - 3);
  const std::string command = "node '" + std::string(kDecoder) + "' /dev/stdin >/dev/null 2>&1";
  FILE* pipe = popen(command.c_str(), "w");
  ASSERT_NE(pipe, nullptr);
  fwrite(bytes.data(), 1, bytes.size(), pipe);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}

}  // namespace
}  // namespace recipe_rag::observability
