#!/usr/bin/env bash
# Sets up .venv, then runs lint, types, the migration check and the whole test suite twice,
# on SQLite and on PostgreSQL at once (PostgreSQL skipped, and said so, when none answers).
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

echo "== pip-audit (known vulnerabilities in requirements.lock)"
.venv/bin/python scripts/audit_dependencies.py

# The two runs share nothing (each makes its own databases, and its own Redis db number for
# counters), so when PostgreSQL answers they run side by side: the wall time of the slower,
# not the sum. SQLite's output waits in a file and is shown after PostgreSQL's.
redis_base=${KITH_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
redis_base=${redis_base%/*}
sqlite_log=$(mktemp)
trap 'rm -rf "$check_dir" "$sqlite_log"' EXIT

if .venv/bin/python -m tests.databases --postgres-reachable; then
  echo "== tests on SQLite and PostgreSQL, side by side"
  KITH_TEST_DATABASE=sqlite KITH_TEST_REDIS_URL="$redis_base/14" \
    .venv/bin/pytest "$@" >"$sqlite_log" 2>&1 &
  sqlite_run=$!
  echo "== tests on PostgreSQL"
  postgres_status=0
  KITH_TEST_DATABASE=postgres KITH_TEST_REDIS_URL="$redis_base/15" .venv/bin/pytest "$@" \
    || postgres_status=$?
  sqlite_status=0
  wait "$sqlite_run" || sqlite_status=$?
  echo "== tests on SQLite"
  cat "$sqlite_log"
  if [ "$sqlite_status" != 0 ] || [ "$postgres_status" != 0 ]; then
    echo "FAILED: SQLite run exit $sqlite_status, PostgreSQL run exit $postgres_status" >&2
    exit 1
  fi
elif [ "${KITH_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is required here (KITH_REQUIRE_POSTGRES=1) but did not answer." >&2
  exit 1
else
  echo "== tests on SQLite"
  KITH_TEST_DATABASE=sqlite .venv/bin/pytest "$@"
  echo "SKIPPED: the PostgreSQL run. No server answered at \$KITH_TEST_POSTGRES_URL"
  echo "(default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). Start PostgreSQL or"
  echo "point KITH_TEST_POSTGRES_URL at a server where this user may create databases."
fi
