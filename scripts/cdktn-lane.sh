#!/usr/bin/env bash
# The CDK Terrain lane (`npm run lane:cdktn`, run by .ci/run): this project, unchanged, on
# cdktn 0.24 + @cdktn/provider-aws 25.x instead of cdktf 0.21 + @cdktf/provider-aws 21.x.
#
# 1. Installs .ci/cdktn from its own lockfile: the fork under the names our code imports (npm
#    aliases, exactly as the README's "CDKTF or CDK Terrain" section tells users) and cdktn-cli,
#    which needs Node >= 22.19 (scripts/maintained-node.sh brings Node 22 where the machine's is older).
# 2. Copies the sources into a temp project whose node_modules is the project's own, except
#    cdktf, @cdktf/provider-aws, cdktn and constructs, which come from the lane.
# 3. There, on Node 22: the typecheck, `cdktn synth` through the fork's CLI, the unit tier.
# 4. Compares the fork's synthesized stacks with cdktf's (this checkout's app, synthesized by
#    cdktf), resource by resource (scripts/compare-synth.js): they may differ only in metadata.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LANE="$ROOT/.ci/cdktn"
export CHECKPOINT_DISABLE=1

stamp="$LANE/node_modules/.lockfile.sha256"
want=$(sha256sum "$LANE/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "cdktn lane: installing .ci/cdktn from its lockfile" >&2
  # cdktn-cli's engines field names Node 22, which runs it below; the install itself needs none.
  npm ci --prefix "$LANE" --no-audit --no-fund --engine-strict=false --loglevel=error
  echo "$want" > "$stamp"
fi

# Node >= 22.19 for cdktn-cli: the machine's if it is new enough, else Node 22 from .ci/node.
NODE_BIN=$(bash "$ROOT/scripts/maintained-node.sh")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdktn-lane.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PROJECT="$WORK/project"
mkdir -p "$PROJECT/node_modules/@cdktf"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard -- . ':!bench' \
  | (cd "$ROOT" && xargs -0 tar -cf - --no-recursion) | tar -C "$PROJECT" -xf -
for entry in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin; do
  name=$(basename "$entry")
  case "$name" in cdktf | cdktn | cdktf-cli | constructs | @cdktf) ;; *) ln -s "$entry" "$PROJECT/node_modules/$name" ;; esac
done
for entry in "$ROOT"/node_modules/@cdktf/*; do
  [ "$(basename "$entry")" = provider-aws ] || ln -s "$entry" "$PROJECT/node_modules/@cdktf/"
done
for name in cdktf cdktn constructs @cdktf/provider-aws; do ln -s "$LANE/node_modules/$name" "$PROJECT/node_modules/$name"; done

cd "$PROJECT"
export PATH="$NODE_BIN:$PATH"
echo "cdktn lane: Node $(node --version), $(node -p 'const p = require("cdktf/package.json"); `${p.name} ${p.version}`'), @cdktf/provider-aws = $(node -p 'const p = require("@cdktf/provider-aws/package.json"); `${p.name} ${p.version}`')"
node node_modules/typescript/bin/tsc --noEmit -p . --incremental false
"$LANE/node_modules/.bin/cdktn" synth
# cdktf's side, from this checkout into a folder of the lane's own (cdktf.out may hold another synth).
(cd "$ROOT" && CDKTF_OUTDIR="$WORK/cdktf.out" node scripts/app.js)
node "$ROOT/scripts/compare-synth.js" "$WORK/cdktf.out" "$PROJECT/cdktf.out"
node node_modules/jest/bin/jest.js __tests__/unit --silent
