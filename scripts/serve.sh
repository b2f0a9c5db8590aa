#!/usr/bin/env bash
# Runs Kith on an embedded SQLite file (./kith.db), setting up .venv on first use.
# Extra arguments go to `kith serve`, e.g. `./scripts/serve.sh --demo --port 8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
exec .venv/bin/kith serve "$@"
