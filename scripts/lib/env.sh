# shellcheck shell=bash
# load_env: reads ${ENV_FILE:-.env} (relative to the repository) and exports each VAR=value whose
# VAR is not already set, so variables given on the command line win over the file (as in
# ecosystem.config.js). Quotes are stripped; a trailing " # comment" after an unquoted value too.
load_env() {
  local file="${ENV_FILE:-.env}" line name value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    [ -n "${!name+x}" ] && continue
    if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ ]] || [[ "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      value="${BASH_REMATCH[1]}"
    else
      value="${value%%[[:space:]]#*}"
      value="${value%"${value##*[![:space:]]}"}"
    fi
    export "$name=$value"
  done < "$file"
}
