#!/usr/bin/env bash
# Makes requirements.lock: every package Kith and its tests install, at one exact version, resolved
# from pyproject.toml's lower bounds. scripts/venv.sh and the Dockerfile install through it, and
# scripts/audit.sh audits it, so what is audited is what runs. Run after changing dependencies;
# add --upgrade to move every pin to the newest release allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
KITH_EXTRAS="[test]" source scripts/venv.sh
CUSTOM_COMPILE_COMMAND=scripts/lock.sh .venv/bin/pip-compile --quiet --extra test --strip-extras --no-emit-index-url \
  --no-emit-find-links --output-file requirements.lock "$@" pyproject.toml
