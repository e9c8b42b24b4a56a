// Tracing: one Trace per request, holding the spans its work produced (request, retrieval and
// each of its components, embedding, each LLM attempt, tool calls).
//
// A Span is started from its parent's SpanContext and records itself into the trace when it
// ends; the trace hands all of its spans to the SpanSink (the exporter) when the last
// reference to it goes, which is after the response has been written and every background
// step of the request has finished. Handing over is one queue push: no I/O, no encoding.
//
// Without a sink, traces still have ids (every response carries one) but spans record nothing
// and cost only a null check.
//
//   observability::Span span = observability::Span::Start(request.span, "retrieval");
//   span.Set("retrieval.top_k", std::int64_t{5});
//   ...  // children: Span::Start(span.context(), "retrieval.bm25")
//   span.End();  // or let it go out of scope
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "observability/span.h"

namespace recipe_rag::observability {

// Where finished traces go. Submit() must not block.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void Submit(std::vector<SpanData> spans) = 0;
};

class Trace {
 public:
  // `sink` null: nothing is recorded.
  Trace(TraceId id, SpanSink* sink) : id_(id), sink_(sink) {}
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  const TraceId& id() const { return id_; }
  bool recording() const { return sink_ != nullptr; }
  void Add(SpanData span);
  // A trace-level attribute (Langfuse's trace name, user, session, environment): it goes on
  // the trace's root spans (those whose parent is not in this trace) when the trace is handed
  // over. A later value for the same key replaces the earlier one.
  void SetAttribute(std::string key, AttributeValue value);

 private:
  const TraceId id_;
  SpanSink* const sink_;
  std::mutex mu_;
  std::vector<SpanData> spans_;
  std::vector<Attribute> attributes_;
};

// Where a child span goes: the trace and the parent span's id.
struct SpanContext {
  std::shared_ptr<Trace> trace;
  SpanId span_id;

  explicit operator bool() const { return trace != nullptr; }
  // The trace id as 32 hex digits ("" without a trace).
  std::string trace_id() const { return trace ? trace->id().Hex() : std::string(); }
  // A W3C traceparent header value naming this span as the parent ("" without a trace).
  std::string TraceParent() const;
};

// One operation. Move-only; ends when End() is called or when it is destroyed.
class Span {
 public:
  Span() = default;
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  ~Span() { End(); }

  // A child of `parent` (a root span of a new trace when `parent` has no span id). Records
  // nothing when the parent's trace does not record.
  static Span Start(const SpanContext& parent, std::string name,
                    SpanKind kind = SpanKind::kInternal);

  bool recording() const { return trace_ != nullptr && trace_->recording() && !ended_; }
  Span& Set(std::string key, std::string value);
  Span& Set(std::string key, const char* value) { return Set(std::move(key), std::string(value)); }
  Span& Set(std::string key, std::int64_t value);
  Span& Set(std::string key, int value) { return Set(std::move(key), std::int64_t{value}); }
  Span& Set(std::string key, double value);
  Span& Set(std::string key, bool value);
  Span& Rename(std::string name) {
    if (recording()) data_.name = std::move(name);
    return *this;
  }
  // Status error with a message (no secrets, no user text).
  Span& Fail(std::string_view message);
  Span& Ok();
  // Where children of this span go; empty once the span has ended.
  SpanContext context() const { return {trace_, data_.span_id}; }
  void End();

 private:
  Span& SetValue(std::string key, AttributeValue value);

  std::shared_ptr<Trace> trace_;
  SpanData data_;
  bool ended_ = true;
};

// Parses a W3C traceparent header ("00-<32 hex>-<16 hex>-<2 hex>"); nullopt when malformed,
// when either id is all zeros or when the version is ff.
struct TraceParent {
  TraceId trace_id;
  SpanId parent_id;
  bool sampled = false;
};
std::optional<TraceParent> ParseTraceParent(std::string_view header);

// Starts requests' traces.
class Tracer {
 public:
  explicit Tracer(SpanSink* sink) : sink_(sink) {}
  bool recording() const { return sink_ != nullptr; }

  // The root span of a request: it continues the caller's trace when `traceparent` is valid
  // (the caller's span becomes its parent), else starts a new trace.
  Span StartRequest(std::optional<std::string_view> traceparent, std::string name) const;

 private:
  SpanSink* const sink_;
};

// Nanoseconds since the Unix epoch, now.
std::int64_t UnixNanos();

}  // namespace recipe_rag::observability
