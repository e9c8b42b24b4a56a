// Request ids: accepted from X-Request-Id when well-formed, generated otherwise.
#pragma once

#include <string>
#include <string_view>

namespace recipe_rag::http {

// 1 to 128 characters of [A-Za-z0-9._:-]; anything else is replaced, so ids are safe to log.
bool IsValidRequestId(std::string_view id);

// A new id: 16 random hex digits per process, then a counter. Thread-safe, no syscall.
std::string NewRequestId();

}  // namespace recipe_rag::http
