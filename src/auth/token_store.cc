#include "auth/token_store.h"

#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/strings.h"

namespace recipe_rag::auth {
namespace {

constexpr std::size_t kMinTokenLength = 8;

bool IsHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

core::Status AddPlain(std::string_view token, std::string_view origin,
                      std::vector<std::string>& out) {
  token = core::Trim(token);
  if (token.size() < kMinTokenLength) {
    return core::Error::InvalidArgument(std::string(origin) + ": token shorter than " +
                                        std::to_string(kMinTokenLength) + " characters");
  }
  out.push_back(core::Sha256Hex(token));
  return core::Status::Ok();
}

}  // namespace

core::Result<TokenStore> TokenStore::FromReferences(const std::vector<std::string>& references,
                                                    const std::vector<std::string>& plain_tokens,
                                                    const config::EnvLookup& lookup) {
  TokenStore store;
  for (const auto& ref : references) {
    const std::string_view r(ref);
    if (r.rfind("env:", 0) == 0) {
      const std::string name(r.substr(4));
      const auto value = lookup(name);
      if (!value || core::Trim(*value).empty()) {
        return core::Error::InvalidArgument("auth.tokens: " + ref + ": variable is not set");
      }
      if (auto st = AddPlain(*value, ref, store.hashes_); !st.ok()) return std::move(st).error();
    } else if (r.rfind("file:", 0) == 0) {
      const std::string path(r.substr(5));
      std::ifstream in(path);
      if (!in)
        return core::Error::InvalidArgument("auth.tokens: " + ref + ": cannot read the file");
      std::string line;
      std::size_t added = 0;
      while (std::getline(in, line)) {
        if (core::Trim(line).empty()) continue;
        if (auto st = AddPlain(line, ref, store.hashes_); !st.ok()) return std::move(st).error();
        ++added;
      }
      if (added == 0)
        return core::Error::InvalidArgument("auth.tokens: " + ref + ": file is empty");
    } else if (r.rfind("sha256:", 0) == 0) {
      const std::string hex = core::ToLowerAscii(r.substr(7));
      if (!IsHex64(hex)) {
        return core::Error::InvalidArgument("auth.tokens: sha256: reference must be 64 hex digits");
      }
      store.hashes_.push_back(hex);
    } else {
      return core::Error::InvalidArgument(
          "auth.tokens: references must start with env:, file: or sha256:");
    }
  }
  for (const auto& token : plain_tokens) {
    if (auto st = AddPlain(token, "RECIPE_RAG_API_TOKENS", store.hashes_); !st.ok()) {
      return std::move(st).error();
    }
  }
  return store;
}

core::Result<Principal> TokenStore::Authenticate(
    std::optional<std::string_view> authorization) const {
  if (!authorization) return core::Error::Unauthenticated("missing bearer token");
  const auto value = core::Trim(*authorization);
  const auto space = value.find(' ');
  if (space == std::string_view::npos ||
      !core::EqualsIgnoreCase(value.substr(0, space), "bearer")) {
    return core::Error::Unauthenticated("expected an Authorization: Bearer token");
  }
  const auto token = core::Trim(value.substr(space + 1));
  if (token.empty()) return core::Error::Unauthenticated("missing bearer token");
  const auto hash = core::Sha256Hex(token);
  bool found = false;
  for (const auto& stored : hashes_) found |= core::ConstantTimeEquals(hash, stored);
  if (!found) return core::Error::Unauthenticated("invalid bearer token");
  return Principal{"tok_" + hash.substr(0, 8)};
}

NewToken GenerateToken() {
  NewToken t;
  t.token = "rr_" + core::RandomToken(32);
  t.sha256 = core::Sha256Hex(t.token);
  return t;
}

}  // namespace recipe_rag::auth
