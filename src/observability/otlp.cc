#include "observability/otlp.h"

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <variant>

namespace recipe_rag::observability {
namespace {

// Protobuf wire types.
enum class Wire : std::uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

// Field numbers (opentelemetry-proto v1).
namespace field {
constexpr std::uint32_t kRequestResourceSpans = 1;   // ExportTraceServiceRequest
constexpr std::uint32_t kResourceSpansResource = 1;  // ResourceSpans
constexpr std::uint32_t kResourceSpansScopeSpans = 2;
constexpr std::uint32_t kResourceAttributes = 1;  // Resource
constexpr std::uint32_t kScopeSpansScope = 1;     // ScopeSpans
constexpr std::uint32_t kScopeSpansSpans = 2;
constexpr std::uint32_t kScopeName = 1;  // InstrumentationScope
constexpr std::uint32_t kScopeVersion = 2;
constexpr std::uint32_t kSpanTraceId = 1;  // Span
constexpr std::uint32_t kSpanSpanId = 2;
constexpr std::uint32_t kSpanParentSpanId = 4;
constexpr std::uint32_t kSpanName = 5;
constexpr std::uint32_t kSpanKind = 6;
constexpr std::uint32_t kSpanStartTime = 7;
constexpr std::uint32_t kSpanEndTime = 8;
constexpr std::uint32_t kSpanAttributes = 9;
constexpr std::uint32_t kSpanStatus = 15;
constexpr std::uint32_t kSpanFlags = 16;
constexpr std::uint32_t kStatusMessage = 2;  // Status
constexpr std::uint32_t kStatusCode = 3;
constexpr std::uint32_t kKeyValueKey = 1;  // KeyValue
constexpr std::uint32_t kKeyValueValue = 2;
constexpr std::uint32_t kAnyString = 1;  // AnyValue (a oneof: always written)
constexpr std::uint32_t kAnyBool = 2;
constexpr std::uint32_t kAnyInt = 3;
constexpr std::uint32_t kAnyDouble = 4;
}  // namespace field

// W3C trace flag "sampled" | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK (IS_REMOTE clear).
constexpr std::uint32_t kSpanFlags = 0x01 | 0x100;

constexpr std::uint64_t Tag(std::uint32_t number, Wire wire) {
  return (static_cast<std::uint64_t>(number) << 3) | static_cast<std::uint32_t>(wire);
}

constexpr std::size_t VarintSize(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Size of a length-delimited field whose payload is `payload` bytes.
constexpr std::size_t LenFieldSize(std::uint32_t number, std::size_t payload) {
  return VarintSize(Tag(number, Wire::kLen)) + VarintSize(payload) + payload;
}

// --- UTF-8 -------------------------------------------------------------------------------

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::size_t kReplacementSize = 3;

// The UTF-8 sequence starting at s[i]: its length and whether it is well-formed (Unicode
// Table 3-7). An ill-formed one is its maximal subpart: the longest prefix of a well-formed
// sequence found there, at least one byte (Unicode's and WHATWG's unit of replacement).
struct Utf8Sequence {
  std::size_t length;
  bool valid;
};

Utf8Sequence Utf8SequenceAt(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {1, true};
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  std::size_t k = 1;
  for (; k < n && i + k < s.size(); ++k) {
    const unsigned char b = byte(k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
  }
  return {k, k == n};
}

// Index of the first byte of `s` that is not ASCII, or s.size(). 32, then 8 bytes at a time.
std::size_t AsciiPrefix(std::string_view s) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = s.data();
  std::size_t i = 0;
  for (; i + 32 <= s.size(); i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, 32);
    if ((w[0] | w[1] | w[2] | w[3]) & kHighBits) break;
  }
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & kHighBits) break;
  }
  while (i < s.size() && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

// What `s` becomes once each ill-formed subpart is replaced by U+FFFD: its size, and whether
// `s` was valid UTF-8 (copied unchanged) — the size alone cannot tell, since a three-byte
// subpart becomes a three-byte U+FFFD.
struct CleanUtf8 {
  std::size_t size;
  bool valid;
};

CleanUtf8 MeasureUtf8(std::string_view s) {
  std::size_t i = AsciiPrefix(s);
  CleanUtf8 clean{i, true};
  while (i < s.size()) {
    const Utf8Sequence seq = Utf8SequenceAt(s, i);
    i += seq.length;
    clean.size += seq.valid ? seq.length : kReplacementSize;
    clean.valid = clean.valid && seq.valid;
  }
  return clean;
}

// --- Writing -----------------------------------------------------------------------------

// Writes into a buffer already sized for everything written; no bounds checks.
class WireWriter {
 public:
  explicit WireWriter(char* p) : p_(p) {}
  char* position() const { return p_; }

  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void Fixed64(std::uint64_t v) {
    for (int k = 0; k < 8; ++k) *p_++ = static_cast<char>(v >> (8 * k));
  }
  void Fixed32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k) *p_++ = static_cast<char>(v >> (8 * k));
  }
  void Raw(const void* data, std::size_t n) {
    if (n != 0) std::memcpy(p_, data, n);
    p_ += n;
  }
  // The tag and length of a length-delimited field whose payload follows.
  void LenHeader(std::uint32_t number, std::size_t payload) {
    Varint(Tag(number, Wire::kLen));
    Varint(payload);
  }
  void Bytes(std::uint32_t number, const std::uint8_t* data, std::size_t n) {
    LenHeader(number, n);
    Raw(data, n);
  }
  // `clean` is MeasureUtf8(s).
  void String(std::uint32_t number, std::string_view s, CleanUtf8 clean) {
    LenHeader(number, clean.size);
    if (clean.valid) {
      Raw(s.data(), s.size());
      return;
    }
    std::size_t i = 0;
    while (i < s.size()) {
      const Utf8Sequence seq = Utf8SequenceAt(s, i);
      if (seq.valid) {
        Raw(s.data() + i, seq.length);
      } else {
        Raw(kReplacement, kReplacementSize);
      }
      i += seq.length;
    }
  }

 private:
  char* p_;
};

// --- Messages ----------------------------------------------------------------------------
// Each message has a size function (its payload bytes) and a write function (tag, length and
// payload, or the payload alone where the caller writes the header).

// Measures the strings of one span (or of the resource and scope). The sizing pass scans each
// string and notes whether all were valid UTF-8; the writing pass over a span whose strings all
// were (the common case) takes each size as it is and copies without scanning again.
class Utf8Measure {
 public:
  explicit Utf8Measure(bool known_valid = false) : known_valid_(known_valid) {}
  CleanUtf8 operator()(std::string_view s) {
    if (known_valid_) return {s.size(), true};
    const CleanUtf8 clean = MeasureUtf8(s);
    all_valid_ = all_valid_ && clean.valid;
    return clean;
  }
  bool all_valid() const { return all_valid_; }

 private:
  bool known_valid_;
  bool all_valid_ = true;
};

// A string field, left out when empty (proto3 default).
std::size_t OptionalStringFieldSize(Utf8Measure& m, std::uint32_t number, std::string_view s) {
  return s.empty() ? 0 : LenFieldSize(number, m(s).size);
}
void WriteOptionalString(WireWriter& w, Utf8Measure& m, std::uint32_t number, std::string_view s) {
  if (!s.empty()) w.String(number, s, m(s));
}

// One KeyValue's sizes, from one measurement of each of its strings.
struct KeyValueLayout {
  CleanUtf8 key;
  CleanUtf8 string_value;  // when the value is a string
  std::size_t any_value_size;
  std::size_t size;
};

KeyValueLayout LayOut(Utf8Measure& m, const Attribute& a) {
  KeyValueLayout layout{m(a.key), {0, true}, 0, 0};
  if (const auto* s = std::get_if<std::string>(&a.value)) {
    layout.string_value = m(*s);
    layout.any_value_size = LenFieldSize(field::kAnyString, layout.string_value.size);
  } else if (const auto* n = std::get_if<std::int64_t>(&a.value)) {
    layout.any_value_size = 1 + VarintSize(static_cast<std::uint64_t>(*n));
  } else if (std::holds_alternative<double>(a.value)) {
    layout.any_value_size = 1 + 8;
  } else {
    layout.any_value_size = 1 + 1;
  }
  layout.size = (a.key.empty() ? 0 : LenFieldSize(field::kKeyValueKey, layout.key.size)) +
                LenFieldSize(field::kKeyValueValue, layout.any_value_size);
  return layout;
}

// The KeyValue as field `number`. AnyValue is a oneof: its member is written even when it
// holds the default ("", 0, false).
void WriteKeyValue(WireWriter& w, Utf8Measure& m, std::uint32_t number, const Attribute& a) {
  const KeyValueLayout layout = LayOut(m, a);
  w.LenHeader(number, layout.size);
  if (!a.key.empty()) w.String(field::kKeyValueKey, a.key, layout.key);
  w.LenHeader(field::kKeyValueValue, layout.any_value_size);
  if (const auto* s = std::get_if<std::string>(&a.value)) {
    w.String(field::kAnyString, *s, layout.string_value);
  } else if (const auto* n = std::get_if<std::int64_t>(&a.value)) {
    w.Varint(Tag(field::kAnyInt, Wire::kVarint));
    w.Varint(static_cast<std::uint64_t>(*n));  // int64: two's complement, ten bytes if < 0
  } else if (const auto* d = std::get_if<double>(&a.value)) {
    w.Varint(Tag(field::kAnyDouble, Wire::kFixed64));
    w.Fixed64(std::bit_cast<std::uint64_t>(*d));
  } else {
    w.Varint(Tag(field::kAnyBool, Wire::kVarint));
    w.Varint(std::get<bool>(a.value) ? 1 : 0);
  }
}

// The attributes as repeated KeyValue field `number`.
std::size_t AttributesSize(Utf8Measure& m, std::uint32_t number,
                           const std::vector<Attribute>& attributes) {
  std::size_t size = 0;
  for (const Attribute& a : attributes) size += LenFieldSize(number, LayOut(m, a).size);
  return size;
}

void WriteAttributes(WireWriter& w, Utf8Measure& m, std::uint32_t number,
                     const std::vector<Attribute>& attributes) {
  for (const Attribute& a : attributes) WriteKeyValue(w, m, number, a);
}

bool HasStatus(const SpanData& s) {
  return s.status != StatusCode::kUnset || !s.status_message.empty();
}

std::size_t StatusSize(const SpanData& s, CleanUtf8 message) {
  std::size_t size =
      s.status_message.empty() ? 0 : LenFieldSize(field::kStatusMessage, message.size);
  if (s.status != StatusCode::kUnset) size += 1 + VarintSize(static_cast<std::uint64_t>(s.status));
  return size;
}

// The Status as Span field 15.
void WriteStatus(WireWriter& w, Utf8Measure& m, const SpanData& s) {
  const CleanUtf8 message = m(s.status_message);
  w.LenHeader(field::kSpanStatus, StatusSize(s, message));
  if (!s.status_message.empty()) w.String(field::kStatusMessage, s.status_message, message);
  if (s.status != StatusCode::kUnset) {
    w.Varint(Tag(field::kStatusCode, Wire::kVarint));
    w.Varint(static_cast<std::uint64_t>(s.status));
  }
}

constexpr std::size_t kTraceIdFieldSize = 1 + 1 + 16;
constexpr std::size_t kSpanIdFieldSize = 1 + 1 + 8;
constexpr std::size_t kFixed64FieldSize = 1 + 8;
constexpr std::size_t kFlagsFieldSize = VarintSize(Tag(field::kSpanFlags, Wire::kFixed32)) + 4;

std::size_t SpanSize(Utf8Measure& m, const SpanData& s) {
  std::size_t size = kTraceIdFieldSize + kSpanIdFieldSize;
  if (s.parent_span_id.valid()) size += kSpanIdFieldSize;
  size += OptionalStringFieldSize(m, field::kSpanName, s.name);
  size += 1 + VarintSize(static_cast<std::uint64_t>(s.kind));
  size += 2 * kFixed64FieldSize;
  size += AttributesSize(m, field::kSpanAttributes, s.attributes);
  if (HasStatus(s)) size += LenFieldSize(field::kSpanStatus, StatusSize(s, m(s.status_message)));
  size += kFlagsFieldSize;
  return size;
}

// The Span's payload, in field-number order.
void WriteSpan(WireWriter& w, Utf8Measure& m, const SpanData& s) {
  w.Bytes(field::kSpanTraceId, s.trace_id.bytes.data(), s.trace_id.bytes.size());
  w.Bytes(field::kSpanSpanId, s.span_id.bytes.data(), s.span_id.bytes.size());
  if (s.parent_span_id.valid()) {
    w.Bytes(field::kSpanParentSpanId, s.parent_span_id.bytes.data(), s.parent_span_id.bytes.size());
  }
  WriteOptionalString(w, m, field::kSpanName, s.name);
  w.Varint(Tag(field::kSpanKind, Wire::kVarint));
  w.Varint(static_cast<std::uint64_t>(s.kind));
  w.Varint(Tag(field::kSpanStartTime, Wire::kFixed64));
  w.Fixed64(static_cast<std::uint64_t>(s.start_unix_nano));
  w.Varint(Tag(field::kSpanEndTime, Wire::kFixed64));
  w.Fixed64(static_cast<std::uint64_t>(s.end_unix_nano));
  WriteAttributes(w, m, field::kSpanAttributes, s.attributes);
  if (HasStatus(s)) WriteStatus(w, m, s);
  w.Varint(Tag(field::kSpanFlags, Wire::kFixed32));
  w.Fixed32(kSpanFlags);
}

struct SpanLayout {
  std::size_t size;
  bool valid_utf8;  // every string of the span
};

}  // namespace

std::string EncodeExportTraceServiceRequest(const std::vector<Attribute>& resource,
                                            const InstrumentationScope& scope,
                                            const std::vector<SpanData>& spans) {
  // Sizes, innermost first; each span's is kept for its length prefix.
  std::vector<SpanLayout> layouts;
  layouts.reserve(spans.size());
  std::size_t scope_spans_size = 0;
  for (const SpanData& s : spans) {
    Utf8Measure m;
    const std::size_t size = SpanSize(m, s);
    layouts.push_back({size, m.all_valid()});
    scope_spans_size += LenFieldSize(field::kScopeSpansSpans, size);
  }
  Utf8Measure m;  // the resource and scope: a few short strings, measured in both passes
  const std::size_t scope_size = OptionalStringFieldSize(m, field::kScopeName, scope.name) +
                                 OptionalStringFieldSize(m, field::kScopeVersion, scope.version);
  scope_spans_size += LenFieldSize(field::kScopeSpansScope, scope_size);
  const std::size_t resource_size = AttributesSize(m, field::kResourceAttributes, resource);
  const std::size_t resource_spans_size =
      LenFieldSize(field::kResourceSpansResource, resource_size) +
      LenFieldSize(field::kResourceSpansScopeSpans, scope_spans_size);
  const std::size_t total = LenFieldSize(field::kRequestResourceSpans, resource_spans_size);

  std::string out(total, '\0');
  WireWriter w(out.data());
  w.LenHeader(field::kRequestResourceSpans, resource_spans_size);
  w.LenHeader(field::kResourceSpansResource, resource_size);
  WriteAttributes(w, m, field::kResourceAttributes, resource);
  w.LenHeader(field::kResourceSpansScopeSpans, scope_spans_size);
  w.LenHeader(field::kScopeSpansScope, scope_size);
  WriteOptionalString(w, m, field::kScopeName, scope.name);
  WriteOptionalString(w, m, field::kScopeVersion, scope.version);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    w.LenHeader(field::kScopeSpansSpans, layouts[i].size);
    Utf8Measure span_measure(/*known_valid=*/layouts[i].valid_utf8);
    WriteSpan(w, span_measure, spans[i]);
  }
  assert(w.position() == out.data() + out.size());
  return out;
}

}  // namespace recipe_rag::observability
