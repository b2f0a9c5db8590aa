# Sourced by the other scripts: makes .venv (Python 3.11+) and installs Kith into it.
# The install is repeated on every run; pip makes it quick when nothing changed.
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Kith needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
# requirements.lock pins every package to the version that was tested and audited.
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
  --constraint requirements.lock -e ".${KITH_EXTRAS:-}"
