# Shared by the bench scripts (source it): messages, checks and helpers for the reports they
# write. Set BENCH_NAME before sourcing: it prefixes the messages.

say() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
# Microseconds since the epoch, from bash itself (no process per reading).
now_us() { local t="$EPOCHREALTIME"; echo "${t//[!0-9]/}"; }

# set_knobs VAR...: fills the array cmd_env with the named variables that are set, then every
# RECIPE_RAG__* override in the environment (the server inherits those), as NAME=value words
# for the report's "command" line.
set_knobs() {
  cmd_env=()
  local v name value
  for v in "$@"; do
    if [[ -n "${!v+x}" ]]; then
      if [[ "${!v}" =~ ^[A-Za-z0-9_./:+-]*$ ]]; then cmd_env+=("$v=${!v}"); else cmd_env+=("$v=\"${!v}\""); fi
    fi
  done
  while IFS='=' read -r name value; do
    [[ -n "$name" ]] && cmd_env+=("$name=$value")
  done < <(env | grep -E '^RECIPE_RAG__[A-Z0-9_]+=' | sort)
}

# describe_machine: sets M_NPROC, M_CPU, M_MEM, M_KERNEL, M_DEBIAN, M_OS, M_LOAD (at the call)
# and GIT_COMMIT (with " (+ uncommitted changes)" when the tree differs from HEAD), for the
# report's header.
describe_machine() {
  M_NPROC="$(nproc)"
  M_CPU="$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  M_MEM="$(awk '/^MemTotal:/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  M_KERNEL="$(uname -r)"
  M_DEBIAN="$(cat /etc/debian_version 2>/dev/null || echo unknown)"
  M_OS="$( (. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}") || true)"
  M_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
  if GIT_COMMIT="$(git rev-parse HEAD 2>/dev/null)"; then
    [[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] || GIT_COMMIT+=" (+ uncommitted changes)"
  else
    GIT_COMMIT="none (no commit yet)"
  fi
}

# Ends a script after its report writer ran with exit status $1: 0, or 3 when STRICT=1 and a
# goal was missed (reported, and the script exits 3); anything else is a failure.
finish_report() {
  local rc="$1"
  [[ "$rc" == 0 || "$rc" == 3 ]] || die "writing the report failed (exit $rc)"
  say "wrote $MD and $JSON"
  (( rc == 0 )) || say "STRICT=1: a goal was missed"
  exit "$rc"
}
