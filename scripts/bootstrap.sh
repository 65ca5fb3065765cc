#!/usr/bin/env bash
# Shared set-up for scripts/demo.sh and scripts/test.sh (sourced, not run).
#   need_apt PKG...          install Debian packages that are missing (as root, or with sudo)
#   make_venv REQUIREMENTS   create .venv and install a pinned requirements file into it
# Works on a fresh Debian/Ubuntu machine with Python 3.11+, as root (CI) or as a sudo user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CLEANWIRE_VENV:-$ROOT/.venv}"

need_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "Please install: ${missing[*]} (no apt-get on this system)" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing ${missing[*]} with apt-get"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

make_venv() {
    local requirements="$1"
    if [ ! -x "$VENV/bin/python" ]; then
        # Debian ships venv's pip bootstrap (ensurepip) apart from python3, in python3-venv
        if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
            rm -rf "$VENV"
            need_apt python3-venv
            python3 -m venv "$VENV"
        fi
    fi
    # reinstall only when the pins changed
    local stamp="$VENV/.cleanwire-$(basename "$requirements").sha256"
    local want
    want="$(cat "$ROOT/requirements.txt" "$ROOT/$requirements" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/$requirements"
        echo "$want" > "$stamp"
    fi
}
