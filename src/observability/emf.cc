#include "observability/emf.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace recipe_rag::observability {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kUnits[] = {"Seconds",
                                       "Microseconds",
                                       "Milliseconds",
                                       "Bytes",
                                       "Kilobytes",
                                       "Megabytes",
                                       "Gigabytes",
                                       "Terabytes",
                                       "Bits",
                                       "Kilobits",
                                       "Megabits",
                                       "Gigabits",
                                       "Terabits",
                                       "Percent",
                                       "Count",
                                       "Bytes/Second",
                                       "Kilobytes/Second",
                                       "Megabytes/Second",
                                       "Gigabytes/Second",
                                       "Terabytes/Second",
                                       "Bits/Second",
                                       "Kilobits/Second",
                                       "Megabits/Second",
                                       "Gigabits/Second",
                                       "Terabits/Second",
                                       "Count/Second",
                                       "None"};

constexpr std::string_view kReserved = "_aws";

bool IsPrintableAscii(char c) { return c >= 0x20 && c < 0x7f; }

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// Dimension and metric names: 1–255 printable ASCII characters, not blank, not starting with ':'.
bool IsValidName(std::string_view name) {
  return !name.empty() && name.size() <= EmfEvent::kMaxNameLength && !IsBlank(name) &&
         name.front() != ':' && name != kReserved &&
         std::all_of(name.begin(), name.end(), IsPrintableAscii);
}

// Printable ASCII as is; each control character and each non-ASCII UTF-8 sequence as one '?';
// cut to 1024 characters.
std::string DimensionValue(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), EmfEvent::kMaxDimensionValueLength));
  bool in_sequence = false;
  for (const char c : value) {
    if (out.size() == EmfEvent::kMaxDimensionValueLength) break;
    const auto byte = static_cast<unsigned char>(c);
    const bool continuation = byte >= 0x80 && byte < 0xc0;
    if (continuation && in_sequence) continue;
    in_sequence = byte >= 0x80;
    out += IsPrintableAscii(c) ? c : '?';
  }
  return out;
}

}  // namespace

EmfEvent::EmfEvent(std::string ns, std::int64_t timestamp_ms)
    : namespace_(std::move(ns)), timestamp_ms_(timestamp_ms) {}

bool EmfEvent::IsValidNamespace(std::string_view ns) {
  const auto allowed = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '-' || c == '_' || c == '/' || c == '#' || c == ':' || c == ' ';
  };
  return !ns.empty() && ns.size() <= kMaxNameLength && !IsBlank(ns) && ns.front() != ':' &&
         !ns.starts_with("AWS/") && std::all_of(ns.begin(), ns.end(), allowed);
}

bool EmfEvent::IsValidUnit(std::string_view unit) {
  return std::find(std::begin(kUnits), std::end(kUnits), unit) != std::end(kUnits);
}

EmfEvent::Member* EmfEvent::Claim(const std::string& name, Kind kind) {
  if (name.empty() || name == kReserved) return nullptr;
  const auto it = index_.find(name);
  if (it != index_.end()) {
    Member& m = members_[it->second];
    return m.kind == kind ? &m : nullptr;
  }
  index_.emplace(name, members_.size());
  members_.push_back(Member{kind, name, {}, {}, {}});
  return &members_.back();
}

EmfEvent& EmfEvent::Dimension(std::string name, std::string value) {
  if (Member* m = Claim(name, Kind::kDimension)) m->value = std::move(value);
  return *this;
}

EmfEvent& EmfEvent::Property(std::string name, std::string value) {
  if (Member* m = Claim(name, Kind::kProperty)) m->value = std::move(value);
  return *this;
}

EmfEvent& EmfEvent::Metric(std::string name, double value, std::string_view unit) {
  if (!std::isfinite(value) || !IsValidName(name)) return *this;
  Member* m = Claim(name, Kind::kMetric);
  if (m == nullptr) return *this;
  if (m->values.empty() && IsValidUnit(unit)) m->unit = std::string(unit);
  m->values.push_back(value);
  return *this;
}

std::string EmfEvent::RenderLine(const std::vector<const Member*>& metrics,
                                 std::size_t round) const {
  // Which dimensions make the dimension set, and the value each member is written with.
  std::vector<std::string> values(members_.size());
  OrderedJson dimension_set = OrderedJson::array();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const Member& m = members_[i];
    if (m.kind == Kind::kProperty) values[i] = m.value;
    if (m.kind != Kind::kDimension) continue;
    std::string value = DimensionValue(m.value);
    if (IsValidName(m.name) && !IsBlank(value) && dimension_set.size() < kMaxDimensions) {
      dimension_set.push_back(m.name);
      values[i] = std::move(value);
    } else {
      values[i] = m.value;
    }
  }

  const std::size_t first = round * kMaxValuesPerMetric;
  OrderedJson line = OrderedJson::object();
  if (IsValidNamespace(namespace_)) {
    OrderedJson definitions = OrderedJson::array();
    for (const Member* m : metrics) {
      OrderedJson definition = {{"Name", m->name}};
      if (!m->unit.empty()) definition["Unit"] = m->unit;
      definitions.push_back(std::move(definition));
    }
    OrderedJson directive = {{"Namespace", namespace_},
                             {"Dimensions", OrderedJson::array({std::move(dimension_set)})},
                             {"Metrics", std::move(definitions)}};
    line["_aws"] = {{"Timestamp", timestamp_ms_},
                    {"CloudWatchMetrics", OrderedJson::array({std::move(directive)})}};
  }
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const Member& m = members_[i];
    if (m.kind == Kind::kMetric) {
      if (std::find(metrics.begin(), metrics.end(), &m) == metrics.end()) continue;
      const std::size_t last = std::min(m.values.size(), first + kMaxValuesPerMetric);
      if (last - first == 1) {
        line[m.name] = m.values[first];
      } else {
        line[m.name] = std::vector<double>(m.values.begin() + static_cast<std::ptrdiff_t>(first),
                                           m.values.begin() + static_cast<std::ptrdiff_t>(last));
      }
    } else {
      line[m.name] = std::move(values[i]);
    }
  }
  return line.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::vector<std::string> EmfEvent::Lines() const {
  std::vector<const Member*> metrics;
  for (const Member& m : members_) {
    if (m.kind == Kind::kMetric) metrics.push_back(&m);
  }
  if (metrics.empty()) return {RenderLine({}, 0)};

  std::vector<std::string> lines;
  for (std::size_t start = 0; start < metrics.size(); start += kMaxMetricsPerEvent) {
    const std::size_t end = std::min(metrics.size(), start + kMaxMetricsPerEvent);
    std::size_t rounds = 0;
    for (std::size_t i = start; i < end; ++i) {
      rounds = std::max(
          rounds, (metrics[i]->values.size() + kMaxValuesPerMetric - 1) / kMaxValuesPerMetric);
    }
    for (std::size_t round = 0; round < rounds; ++round) {
      std::vector<const Member*> batch;
      for (std::size_t i = start; i < end; ++i) {
        if (metrics[i]->values.size() > round * kMaxValuesPerMetric) batch.push_back(metrics[i]);
      }
      lines.push_back(RenderLine(batch, round));
    }
  }
  return lines;
}

std::string EmfEvent::Json() const { return Lines().front(); }

}  // namespace recipe_rag::observability
