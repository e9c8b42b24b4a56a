// TokenStore: the API tokens this process accepts, kept only as SHA-256 hashes.
//
// Built once from token references; immutable afterwards and safe from many threads.
// Authenticate() compares the presented token's hash with every stored hash in constant
// time, so neither timing nor early exit tells how close a guess was.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace recipe_rag::auth {

// Who made a request: enough to log and to attribute usage, never the token itself.
struct Principal {
  std::string token_id;  // "tok_" + first 8 hex digits of the token's SHA-256
};

class TokenStore {
 public:
  // Resolves each reference: "env:NAME" (the variable's value), "file:PATH" (one token per
  // non-empty line), "sha256:HEX" (a stored hash), plus `plain_tokens` (from
  // RECIPE_RAG_API_TOKENS). InvalidArgument naming the reference (never its value) when a
  // reference is malformed, missing or empty.
  static core::Result<TokenStore> FromReferences(const std::vector<std::string>& references,
                                                 const std::vector<std::string>& plain_tokens,
                                                 const config::EnvLookup& lookup);

  // Checks an Authorization header value ("Bearer <token>"). Unauthenticated when absent,
  // of another scheme, or unknown.
  core::Result<Principal> Authenticate(std::optional<std::string_view> authorization) const;

  std::size_t size() const { return hashes_.size(); }

 private:
  std::vector<std::string> hashes_;  // lower-case hex SHA-256 of each accepted token
};

// A fresh random token (256 bits, URL-safe base64) and its SHA-256 hex, for `token new`.
struct NewToken {
  std::string token;
  std::string sha256;
};
NewToken GenerateToken();

}  // namespace recipe_rag::auth
