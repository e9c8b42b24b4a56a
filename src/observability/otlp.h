// OTLP/protobuf encoding of finished spans: the body of an OTLP/HTTP trace export
// (`POST …/v1/traces`, Content-Type application/x-protobuf), as an OpenTelemetry collector or
// Langfuse's OTel endpoint reads it.
//
// The protobuf wire format is written by hand: Debian 12 packages no OTLP library, and the
// message set (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span, with KeyValue,
// AnyValue, Resource, InstrumentationScope and Status) is small and fixed. Field numbers are
// those of opentelemetry-proto v1 (collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto). tests/unit/observability/otlp_test.cc
// decodes the output with the OpenTelemetry project's own generated decoder.
#pragma once

#include <string>
#include <vector>

#include "observability/span.h"

namespace recipe_rag::observability {

// opentelemetry.proto.common.v1.InstrumentationScope: who produced the spans (e.g. name
// "recipe-rag", version "1.4.0"). Empty fields are left out.
struct InstrumentationScope {
  std::string name;
  std::string version;
};

// Returns an opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest in protobuf
// binary form: one ResourceSpans (a Resource with `resource` as its attributes) holding one
// ScopeSpans (`scope`) with `spans` in their order. An empty `spans` still gives that
// ResourceSpans and ScopeSpans, with no Span.
//
// Each Span carries trace_id, span_id, parent_span_id (left out for a root span, i.e. when
// invalid), name, kind, start and end time, attributes in their order, a Status when the code
// is not kUnset or the message is not empty, and flags 0x101: W3C "sampled" (only sampled spans
// are exported) plus SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK with IS_REMOTE clear, since every
// parent a SpanData names is a span of this process. Times are written as the unsigned 64-bit
// values the proto defines (a negative time would read as a huge one).
//
// Strings that are not valid UTF-8 (protobuf requires it; collectors reject the whole request
// otherwise) are written with each ill-formed subpart replaced by U+FFFD, as WHATWG's decoder
// reads them; valid strings are copied unchanged. Never fails. Pure: safe from many threads. The
// result is sized exactly before it is written: one allocation for the output and one for the
// per-span sizes.
std::string EncodeExportTraceServiceRequest(const std::vector<Attribute>& resource,
                                            const InstrumentationScope& scope,
                                            const std::vector<SpanData>& spans);

}  // namespace recipe_rag::observability
