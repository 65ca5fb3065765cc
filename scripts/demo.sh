#!/usr/bin/env bash
# One command: install Cleanwire into .venv and crawl the bundled sample news site.
source "$(dirname "$0")/bootstrap.sh"
make_venv requirements.txt
cd "$ROOT"
exec "$VENV/bin/python" scripts/demo.py "$@"
