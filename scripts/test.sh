#!/usr/bin/env bash
# Sets up .venv, then runs lint, types, the migration check and the whole test suite twice:
# on SQLite, then on PostgreSQL (skipped, and said so, when no PostgreSQL answers).
set -euo pipefail
cd "$(dirname "$0")/.."
KITH_EXTRAS="[test]" source scripts/venv.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy .

echo "== alembic check (models and migrations agree)"
check_dir=$(mktemp -d)
trap 'rm -rf "$check_dir"' EXIT
DATABASE_URL="sqlite+aiosqlite:///$check_dir/check.db" .venv/bin/alembic upgrade head
DATABASE_URL="sqlite+aiosqlite:///$check_dir/check.db" .venv/bin/alembic check

echo "== tests on SQLite"
KITH_TEST_DATABASE=sqlite .venv/bin/pytest "$@"

echo "== tests on PostgreSQL"
if .venv/bin/python -m tests.databases --postgres-reachable; then
  KITH_TEST_DATABASE=postgres .venv/bin/pytest "$@"
elif [ "${KITH_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is required here (KITH_REQUIRE_POSTGRES=1) but did not answer." >&2
  exit 1
else
  echo "SKIPPED: the PostgreSQL run. No server answered at \$KITH_TEST_POSTGRES_URL"
  echo "(default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). Start PostgreSQL or"
  echo "point KITH_TEST_POSTGRES_URL at a server where this user may create databases."
fi
