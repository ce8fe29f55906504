#!/usr/bin/env bash
# Runs a command under Node >= 22.13 with the project's dependencies installed.
#
# Why: Hardhat 3 needs Node >= 22.13, and npm must itself run under Node 22
# while installing, or it silently skips Hardhat's native EDR binding (an
# optional dependency that requires Node >= 22). Machines here ship Node 20,
# so on such a machine we fetch the npm registry's `node@22` package into
# .tools/ once and put it first on PATH. A machine that already has a recent
# enough Node uses it and fetches nothing.
#
# Usage: scripts/node22.sh <command> [args...]   e.g. scripts/node22.sh hardhat test
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools/node22"
min_major=22
min_minor=13

node_ok() {
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }
}

node_bin=""
if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  node_bin="$(command -v node)"
elif [ -x "$tools/node_modules/node/bin/node" ] && node_ok "$tools/node_modules/node/bin/node"; then
  node_bin="$tools/node_modules/node/bin/node"
else
  echo "[node22] Node >= $min_major.$min_minor not found; installing node@22 from the npm registry into .tools/" >&2
  mkdir -p "$tools"
  # A package.json of its own keeps this install out of the project's tree.
  [ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
  (cd "$tools" && npm install --no-save --no-audit --no-fund --loglevel=error node@22 >&2)
  node_bin="$tools/node_modules/node/bin/node"
  node_ok "$node_bin" || { echo "[node22] installed node is still too old: $("$node_bin" --version)" >&2; exit 1; }
fi

# The Node 22 binary first on PATH: npm, hardhat and tsx all start through
# `#!/usr/bin/env node`, so everything below runs on it.
export PATH="$(dirname "$node_bin"):$root/node_modules/.bin:$PATH"

# Install (or re-install after package.json changed) under Node 22.
stamp="$root/node_modules/.dataledger-install-stamp"
want="$(cat "$root/package.json" | "$node_bin" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(require("crypto").createHash("sha256").update(s+process.version.split(".")[0]).digest("hex")))')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[node22] installing dependencies with node $("$node_bin" --version)" >&2
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi

[ "$#" -gt 0 ] || exit 0
exec "$@"
