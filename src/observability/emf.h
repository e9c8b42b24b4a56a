// EmfEvent: one CloudWatch Embedded Metric Format (EMF) log event, built up and then rendered as
// JSON lines that CloudWatch Logs turns into metrics:
//
//   {"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":"…","Dimensions":[["route"]],
//     "Metrics":[{"Name":"latency","Unit":"Seconds"}]}]},"route":"/v1/ask","latency":0.42}
//
// Limits of the specification are enforced here, so every line is accepted as written:
//  * at most 30 dimensions in the dimension set: later ones stay on the event as properties;
//  * at most 100 metrics per event and 100 values per metric: Lines() splits the event, each
//    line repeating the dimensions and properties;
//  * metric values must be finite: NaN and infinities are dropped (a metric left without
//    values is not declared);
//  * dimension values must be printable ASCII of 1–1024 characters: other characters become
//    '?', longer values are cut, and an empty or blank value keeps the member as a property only;
//  * names (dimensions and metrics: 1–255 printable ASCII characters, not starting with ':')
//    that break the rules are not declared; an invalid dimension still stays as a property;
//  * units outside the CloudWatch list (or "") are left out, which CloudWatch reads as "None".
// Every name is one top-level member: the first call that uses a name decides whether it is a
// dimension, a metric or a property; later calls of another kind with that name are ignored and
// "_aws" is never accepted. Dimension() and Property() called again replace the value; Metric()
// called again appends a value (the first call's unit is kept).
// An invalid namespace (see IsValidNamespace) yields lines without "_aws": plain structured log
// lines from which CloudWatch extracts nothing.
// Not thread-safe: build one event per unit of work. Does not bound the total line size
// (CloudWatch Logs accepts events up to 1 MB); keep properties small.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace recipe_rag::observability {

class EmfEvent {
 public:
  static constexpr std::size_t kMaxDimensions = 30;
  static constexpr std::size_t kMaxMetricsPerEvent = 100;
  static constexpr std::size_t kMaxValuesPerMetric = 100;
  static constexpr std::size_t kMaxNameLength = 255;
  static constexpr std::size_t kMaxDimensionValueLength = 1024;

  // `ns`: the CloudWatch namespace; `timestamp_ms`: the metrics' time, epoch milliseconds.
  EmfEvent(std::string ns, std::int64_t timestamp_ms);

  EmfEvent& Dimension(std::string name, std::string value);
  EmfEvent& Metric(std::string name, double value, std::string_view unit);
  // An extra top-level string member (e.g. trace_id): searchable in Logs Insights, not a metric
  // dimension. Any UTF-8 text; invalid UTF-8 is replaced by U+FFFD.
  EmfEvent& Property(std::string name, std::string value);

  // The event as one JSON line without a trailing newline. When the event needs more than one
  // line (over 100 metrics or 100 values of one metric) this is the first of Lines() only.
  std::string Json() const;
  // The event as one or more JSON lines (no trailing newlines), each within the limits above;
  // together they carry every value once. At least one line, even without metrics.
  std::vector<std::string> Lines() const;

  // 1–255 characters from [0-9A-Za-z._#:/ -], at least one not blank, not starting with ':' and
  // not in the reserved "AWS/" namespace.
  static bool IsValidNamespace(std::string_view ns);
  // One of CloudWatch's standard units ("Seconds", "Count", "Bytes/Second", …, "None").
  static bool IsValidUnit(std::string_view unit);

 private:
  enum class Kind { kDimension, kMetric, kProperty };
  struct Member {
    Kind kind;
    std::string name;
    std::string value;           // Dimensions and properties.
    std::string unit;            // Metrics; "" when left out.
    std::vector<double> values;  // Metrics.
  };
  // The member named `name` of kind `kind`, created if the name is free; nullptr when the name
  // is reserved or already used by another kind.
  Member* Claim(const std::string& name, Kind kind);
  // One line with the values [round * 100, round * 100 + 100) of each metric in `metrics`.
  std::string RenderLine(const std::vector<const Member*>& metrics, std::size_t round) const;

  std::string namespace_;
  std::int64_t timestamp_ms_;
  std::vector<Member> members_;  // In the order first added.
  std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace recipe_rag::observability
