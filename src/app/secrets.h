// Secret references and conventional environment variables, as `serve` reads them at start-up.
#pragma once

#include <string>

#include "core/result.h"

namespace recipe_rag::app {

// Resolves a secret reference ("env:NAME", "file:PATH" — its first line; "" = none). Messages
// name the reference and `what`, never the value.
core::Result<std::string> ResolveSecret(const std::string& reference, const char* what);

// `value` when non-empty, else the environment variable `name` when set and non-empty, else
// `fallback`.
std::string EnvOr(const std::string& value, const char* name, std::string fallback = {});

}  // namespace recipe_rag::app
