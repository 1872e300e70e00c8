#!/usr/bin/env bash
# Creates .venv with the pinned Python test tools (moto server) unless it is already current.
# Called by `npm test`; safe to run again (a stamp of requirements-test.txt skips the install).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ -x .venv/bin/moto_server ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python=${PYTHON:-$(command -v python3 || command -v python)}
echo "Setting up .venv (moto server) with $($python --version)..." >&2
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --requirement requirements-test.txt
echo "$want" > "$stamp"
