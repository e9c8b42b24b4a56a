// Span data: what one finished span holds, in OpenTelemetry's model (trace and span ids,
// parent, name, kind, start and end in Unix nanoseconds, typed attributes, status). The
// tracer (trace.h) produces these; the OTLP encoder (otlp.h) serialises them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace recipe_rag::observability {

// 16 random bytes; all zero means "none".
struct TraceId {
  std::array<std::uint8_t, 16> bytes{};
  bool valid() const;
  std::string Hex() const;  // 32 lower-case hex digits
  static TraceId Random();
  static std::optional<TraceId> FromHex(std::string_view hex);  // 32 hex digits, not all zero
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

// 8 random bytes; all zero means "none" (a root span's parent).
struct SpanId {
  std::array<std::uint8_t, 8> bytes{};
  bool valid() const;
  std::string Hex() const;  // 16 lower-case hex digits
  static SpanId Random();
  static std::optional<SpanId> FromHex(std::string_view hex);  // 16 hex digits, not all zero
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

// The numbering is OTLP's (opentelemetry.proto.trace.v1.Span.SpanKind / Status.StatusCode).
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };
enum class StatusCode { kUnset = 0, kOk = 1, kError = 2 };

struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // invalid for a root span
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::int64_t start_unix_nano = 0;
  std::int64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
};

}  // namespace recipe_rag::observability
