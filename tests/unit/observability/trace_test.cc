#include "observability/trace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace recipe_rag::observability {
namespace {

// Keeps what the tracer hands over.
class CollectingSink : public SpanSink {
 public:
  void Submit(std::vector<SpanData> submitted) override {
    std::lock_guard lock(mu);
    for (auto& s : submitted) spans.push_back(std::move(s));
    ++traces;
  }
  const SpanData* Find(const std::string& name) const {
    for (const auto& s : spans) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }
  std::mutex mu;
  std::vector<SpanData> spans;
  int traces = 0;
};

const AttributeValue* Attr(const SpanData& s, const std::string& key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

TEST(TraceParentTest, ParsesTheW3CExample) {
  auto p = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(p->parent_id.Hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(p->sampled);
  auto unsampled = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_FALSE(unsampled->sampled);
}

TEST(TraceParentTest, AcceptsLaterVersionsWithMoreFields) {
  EXPECT_TRUE(
      ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"));
}

TEST(TraceParentTest, RejectsWhatTheSpecRejects) {
  for (const char* bad : {
           "",
           "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with extra
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
       }) {
    EXPECT_FALSE(ParseTraceParent(bad).has_value()) << bad;
  }
}

TEST(TracerTest, RequestContinuesTheCallersTrace) {
  CollectingSink sink;
  Tracer tracer(&sink);
  {
    auto root = tracer.StartRequest(
        std::string_view("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "GET /x");
    EXPECT_EQ(root.context().trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    const auto parent = root.context().TraceParent();
    EXPECT_EQ(parent.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
    EXPECT_EQ(parent.substr(52), "-01");
  }
  ASSERT_EQ(sink.spans.size(), 1u);
  EXPECT_EQ(sink.spans[0].parent_span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(sink.spans[0].kind, SpanKind::kServer);
}

TEST(TracerTest, MalformedTraceParentStartsANewTrace) {
  CollectingSink sink;
  Tracer tracer(&sink);
  auto root = tracer.StartRequest(std::string_view("nonsense"), "GET /x");
  EXPECT_EQ(root.context().trace_id().size(), 32u);
  EXPECT_NE(root.context().trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TracerTest, TraceIsHandedOverWhenTheLastReferenceGoes) {
  CollectingSink sink;
  Tracer tracer(&sink);
  SpanContext kept;
  {
    auto root = tracer.StartRequest(std::nullopt, "POST /v1/answer");
    auto child = Span::Start(root.context(), "retrieval");
    child.Set("retrieval.top_k", 5).Set("ok", true).Set("score", 0.5).Set("name", "x");
    child.End();
    kept = root.context();  // a background step still running
  }
  EXPECT_EQ(sink.traces, 0);  // not yet: `kept` holds the trace
  auto late = Span::Start(kept, "generation");
  late.Fail("upstream down");
  late.End();
  kept = {};
  ASSERT_EQ(sink.traces, 1);
  ASSERT_EQ(sink.spans.size(), 3u);
  const auto* root = sink.Find("POST /v1/answer");
  const auto* child = sink.Find("retrieval");
  const auto* gen = sink.Find("generation");
  ASSERT_TRUE(root && child && gen);
  EXPECT_EQ(child->parent_span_id, root->span_id);
  EXPECT_EQ(gen->parent_span_id, root->span_id);
  EXPECT_EQ(gen->status, StatusCode::kError);
  EXPECT_EQ(gen->status_message, "upstream down");
  EXPECT_EQ(std::get<std::int64_t>(*Attr(*child, "retrieval.top_k")), 5);
  EXPECT_TRUE(std::get<bool>(*Attr(*child, "ok")));
  EXPECT_LE(child->start_unix_nano, child->end_unix_nano);
}

TEST(TracerTest, TraceAttributesGoOnRootSpansOnly) {
  CollectingSink sink;
  Tracer tracer(&sink);
  {
    auto root = tracer.StartRequest(std::nullopt, "root");
    root.context().trace->SetAttribute("langfuse.user.id", std::string("u1"));
    root.context().trace->SetAttribute("langfuse.user.id", std::string("u2"));  // replaces
    auto child = Span::Start(root.context(), "child");
  }
  ASSERT_EQ(sink.spans.size(), 2u);
  const auto* root = sink.Find("root");
  ASSERT_NE(Attr(*root, "langfuse.user.id"), nullptr);
  EXPECT_EQ(std::get<std::string>(*Attr(*root, "langfuse.user.id")), "u2");
  EXPECT_EQ(Attr(*sink.Find("child"), "langfuse.user.id"), nullptr);
}

TEST(TracerTest, WithoutASinkTracesHaveIdsButRecordNothing) {
  Tracer tracer(nullptr);
  auto root = tracer.StartRequest(std::nullopt, "root");
  EXPECT_FALSE(root.recording());
  EXPECT_EQ(root.context().trace_id().size(), 32u);
  auto child = Span::Start(root.context(), "child");
  EXPECT_FALSE(child.recording());
  EXPECT_FALSE(child.context().TraceParent().empty());  // still propagated upstream
}

TEST(SpanTest, EndsOnceAcrossMoves) {
  CollectingSink sink;
  Tracer tracer(&sink);
  {
    auto root = tracer.StartRequest(std::nullopt, "root");
    Span a = Span::Start(root.context(), "a");
    Span b = std::move(a);
    Span c;
    c = std::move(b);
    c.End();
    c.End();
  }
  EXPECT_EQ(std::count_if(sink.spans.begin(), sink.spans.end(),
                          [](const SpanData& s) { return s.name == "a"; }),
            1);
}

TEST(SpanTest, NoParentTraceMeansNoRecording) {
  Span s = Span::Start(SpanContext{}, "orphan");
  EXPECT_FALSE(s.recording());
  s.Set("k", "v").Fail("x").End();
}

}  // namespace
}  // namespace recipe_rag::observability
