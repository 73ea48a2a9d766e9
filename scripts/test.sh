#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run every check.
#   - a virtualenv (.venv, or $VENV) with the project and its `test` and `docs` extras
#   - Debian's chromium for the browser tests (installed with apt when missing and we can)
#   - Debian's prometheus for the Prometheus tests (the same way)
#   - the checks: ruff, mypy, the API reference built with warnings as errors, pytest
# Extra arguments go to pytest. Exit code: the first failing check's; pytest's "no tests
# ran" (5) fails too.
#
#   scripts/test.sh --lowest [PYTEST ARGS]
# installs every dependency at the lowest release series pyproject.toml allows (in
# .venv-lowest, or $VENV) and runs the same checks, so the declared lower bounds are tested.
set -euo pipefail
cd "$(dirname "$0")/.."

LOWEST=0
if [ "${1:-}" = "--lowest" ]; then
  LOWEST=1
  shift
fi
if [ "$LOWEST" = 1 ]; then
  VENV=${VENV:-.venv-lowest}
else
  VENV=${VENV:-.venv}
fi
PYTHON=${PYTHON:-python3}
EXTRAS="test,docs"

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ "$LOWEST" = 1 ]; then
  constraints="$VENV/lowest-constraints.txt"
  "$VENV/bin/python" scripts/lower_bounds.py lab dask test docs > "$constraints"
  "$VENV/bin/python" -m pip install --quiet -c "$constraints" -e ".[$EXTRAS]"
else
  "$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
fi

# Runs "apt-get install" of the given packages (and then AFTER, a shell command) as root,
# or through sudo when it needs no password; otherwise says which tests (WHAT) will skip.
as_root_install() {
  local what=$1 after=$2
  shift 2
  local cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $* && { $after; }"
  if [ "$(id -u)" = 0 ]; then
    bash -c "$cmd"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo bash -c "$cmd"
  else
    echo "note: Debian's $1 is not installed and apt needs root: $what will skip" >&2
  fi
}

if ! command -v chromium >/dev/null 2>&1; then
  as_root_install "browser tests" true chromium fonts-dejavu-core
fi
# Debian's prometheus and promtool: the Prometheus tests start a real server on a free
# port, backfilled with the sample incident's metrics. The package's own service would
# take :9090 on a machine with systemd: it is disabled (the tests never use it).
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  as_root_install "Prometheus tests" \
    "systemctl disable --now prometheus >/dev/null 2>&1 || true" prometheus
fi

if [ "$LOWEST" = 1 ]; then
  # Lint and type checks are about our code, not about old linters and stubs (whose rules
  # differ from release to release): they run in the normal set-up.
  echo "== ruff, mypy: skipped with --lowest"
else
  echo "== ruff"
  "$VENV/bin/ruff" check postmortem_kit tests benchmarks scripts
  echo "== mypy"
  "$VENV/bin/mypy"
fi
echo "== API reference (sphinx, warnings as errors)"
"$VENV/bin/sphinx-build" -W --keep-going -q -b html docs docs/_build/html

echo "== pytest"
set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
