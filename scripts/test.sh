#!/usr/bin/env bash
# One command: install the test dependencies (and redis-server), lint, and run every test.
source "$(dirname "$0")/bootstrap.sh"
command -v redis-server >/dev/null || need_apt redis-server
make_venv requirements-test.txt
cd "$ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
exec "$VENV/bin/python" -m pytest "$@"
