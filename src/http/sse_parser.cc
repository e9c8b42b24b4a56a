#include "http/sse_parser.h"

#include <algorithm>
#include <charconv>

namespace recipe_rag::http {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

core::Status SseParser::Feed(std::string_view bytes) {
  const auto too_big = [] {
    return core::Error::InvalidArgument("event stream: an event is larger than allowed");
  };
  if (failed_) return too_big();
  while (!bytes.empty()) {
    if (after_cr_ && bytes.front() == '\n') bytes.remove_prefix(1);  // the rest of a "\r\n"
    after_cr_ = false;
    const auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      break;
    }
    line_.append(bytes.substr(0, end));
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    if (line_.size() > max_event_bytes_) break;
    Line(line_);
    line_.clear();
    if (data_.size() > max_event_bytes_) break;
  }
  if (line_.size() > max_event_bytes_ || data_.size() > max_event_bytes_) {
    failed_ = true;
    return too_big();
  }
  return core::Status::Ok();
}

void SseParser::Line(std::string_view line) {
  if (!started_) {
    started_ = true;
    if (line.starts_with(kByteOrderMark)) line.remove_prefix(kByteOrderMark.size());
  }
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') return;  // a comment, such as a keep-alive
  const auto colon = line.find(':');
  const auto field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
  }
  if (field == "event") {
    type_.assign(value);
  } else if (field == "data") {
    data_.append(value).push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    long ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (!value.empty() && ec == std::errc() && end == value.data() + value.size() &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ms_ = ms;
    }
  }
  // Any other field is ignored.
}

void SseParser::Dispatch() {
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();  // the "\n" after the last data line
  SseEvent event;
  event.type = type_.empty() ? "message" : std::move(type_);
  event.data = std::move(data_);
  event.last_event_id = last_event_id_;
  type_.clear();
  data_.clear();
  sink_(std::move(event));
}

}  // namespace recipe_rag::http
