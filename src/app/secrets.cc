#include "app/secrets.h"

#include <cstdlib>
#include <fstream>

#include "core/strings.h"

namespace recipe_rag::app {

core::Result<std::string> ResolveSecret(const std::string& reference, const char* what) {
  if (reference.empty()) return std::string();
  if (reference.rfind("env:", 0) == 0) {
    const char* v = std::getenv(reference.substr(4).c_str());  // NOLINT: start-up only
    if (v == nullptr || *v == '\0') {
      return core::Error::InvalidArgument(std::string(what) + ": " + reference + " is not set");
    }
    return std::string(core::Trim(v));
  }
  if (reference.rfind("file:", 0) == 0) {
    std::ifstream in(reference.substr(5));
    std::string line;
    if (!in || !std::getline(in, line) || core::Trim(line).empty()) {
      return core::Error::InvalidArgument(std::string(what) + ": " + reference +
                                          " is missing or empty");
    }
    return std::string(core::Trim(line));
  }
  return core::Error::InvalidArgument(std::string(what) + " must be env:NAME or file:PATH");
}

std::string EnvOr(const std::string& value, const char* name, std::string fallback) {
  if (!value.empty()) return value;
  const char* v = std::getenv(name);  // NOLINT: start-up only
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

}  // namespace recipe_rag::app
