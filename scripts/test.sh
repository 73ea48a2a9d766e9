#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run the whole suite.
#   - a virtualenv (.venv, or $VENV) with the project and its `test` extra
#   - Debian's chromium for the browser tests (installed with apt when missing and we can)
# Extra arguments go to pytest. Exit code: pytest's, except that "no tests ran" fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
  apt_install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core"
  if [ "$(id -u)" = 0 ]; then
    bash -c "$apt_install"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo bash -c "$apt_install"
  else
    echo "note: Debian's chromium is not installed and apt needs root: browser tests will skip" >&2
  fi
fi

set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
