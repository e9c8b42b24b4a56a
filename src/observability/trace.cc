#include "observability/trace.h"

#include <chrono>
#include <unordered_set>
#include <utility>

namespace recipe_rag::observability {

std::int64_t UnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Trace::~Trace() {
  if (sink_ == nullptr || spans_.empty()) return;
  if (!attributes_.empty()) {
    std::unordered_set<std::string> ids;  // hex, to look parents up
    for (const auto& s : spans_) ids.insert(s.span_id.Hex());
    for (auto& s : spans_) {
      if (s.parent_span_id.valid() && ids.count(s.parent_span_id.Hex()) > 0) continue;
      s.attributes.insert(s.attributes.end(), attributes_.begin(), attributes_.end());
    }
  }
  sink_->Submit(std::move(spans_));
}

void Trace::Add(SpanData span) {
  std::lock_guard lock(mu_);
  spans_.push_back(std::move(span));
}

void Trace::SetAttribute(std::string key, AttributeValue value) {
  if (sink_ == nullptr) return;
  std::lock_guard lock(mu_);
  for (auto& a : attributes_) {
    if (a.key == key) {
      a.value = std::move(value);
      return;
    }
  }
  attributes_.push_back({std::move(key), std::move(value)});
}

std::string SpanContext::TraceParent() const {
  if (!trace) return {};
  return "00-" + trace->id().Hex() + "-" + span_id.Hex() + "-01";
}

Span::Span(Span&& other) noexcept
    : trace_(std::move(other.trace_)), data_(std::move(other.data_)), ended_(other.ended_) {
  other.ended_ = true;
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    trace_ = std::move(other.trace_);
    data_ = std::move(other.data_);
    ended_ = other.ended_;
    other.ended_ = true;
  }
  return *this;
}

Span Span::Start(const SpanContext& parent, std::string name, SpanKind kind) {
  Span span;
  span.trace_ = parent.trace;
  span.data_.span_id = SpanId::Random();
  if (!span.trace_ || !span.trace_->recording()) return span;  // ids only
  span.ended_ = false;
  span.data_.trace_id = span.trace_->id();
  span.data_.parent_span_id = parent.span_id;
  span.data_.name = std::move(name);
  span.data_.kind = kind;
  span.data_.start_unix_nano = UnixNanos();
  return span;
}

Span& Span::SetValue(std::string key, AttributeValue value) {
  if (recording()) data_.attributes.push_back({std::move(key), std::move(value)});
  return *this;
}

Span& Span::Set(std::string key, std::string value) {
  return SetValue(std::move(key), std::move(value));
}
Span& Span::Set(std::string key, std::int64_t value) { return SetValue(std::move(key), value); }
Span& Span::Set(std::string key, double value) { return SetValue(std::move(key), value); }
Span& Span::Set(std::string key, bool value) { return SetValue(std::move(key), value); }

Span& Span::Fail(std::string_view message) {
  if (recording()) {
    data_.status = StatusCode::kError;
    data_.status_message = std::string(message);
  }
  return *this;
}

Span& Span::Ok() {
  if (recording()) data_.status = StatusCode::kOk;
  return *this;
}

void Span::End() {
  if (ended_) return;
  ended_ = true;
  data_.end_unix_nano = UnixNanos();
  trace_->Add(std::move(data_));
  trace_.reset();  // an ended span no longer keeps its trace from being handed over
}

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags; later versions may append "-…".
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  if (header.size() > 55 && (header[0] == '0' && header[1] == '0')) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  const auto version = header.substr(0, 2);
  auto is_hex = [](std::string_view s) {
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  if (!is_hex(version) || version == "ff") return std::nullopt;
  const auto flags = header.substr(53, 2);
  if (!is_hex(flags) || !is_hex(header.substr(3, 32)) || !is_hex(header.substr(36, 16))) {
    return std::nullopt;  // W3C: lower-case hex only
  }
  auto trace_id = TraceId::FromHex(header.substr(3, 32));
  auto parent_id = SpanId::FromHex(header.substr(36, 16));
  if (!trace_id || !parent_id) return std::nullopt;
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return TraceParent{*trace_id, *parent_id, (flag_bits & 1) != 0};
}

Span Tracer::StartRequest(std::optional<std::string_view> traceparent, std::string name) const {
  std::optional<TraceParent> parent;
  if (traceparent) parent = ParseTraceParent(*traceparent);
  auto trace = std::make_shared<Trace>(parent ? parent->trace_id : TraceId::Random(), sink_);
  return Span::Start({std::move(trace), parent ? parent->parent_id : SpanId{}}, std::move(name),
                     SpanKind::kServer);
}

}  // namespace recipe_rag::observability
