// RunShell: runs a shell command for a test (a checker such as promtool or a Python validator)
// and returns its exit code and its stdout and stderr together.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace recipe_rag::test_support {

struct CommandResult {
  int exit_code = -1;  // -1 when it could not run or did not exit normally
  std::string output;  // stdout and stderr together
};

inline CommandResult RunShell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace recipe_rag::test_support
