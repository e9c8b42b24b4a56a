# Shared by the bench scripts (source it): helpers for the reports they write.

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
