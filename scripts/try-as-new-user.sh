#!/usr/bin/env bash
# A new user's first hour: every command of the README and docs/ in a fresh venv, verbatim,
# with the exit code each page promises (scripts/try_as_new_user.py says how).
#   bash scripts/try-as-new-user.sh                 # everything, the whole test suite included
#   bash scripts/try-as-new-user.sh --quick-tests tests/test_cli.py   # what .ci/run uses
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/try_as_new_user.py "$@"
