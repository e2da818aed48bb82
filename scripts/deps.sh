#!/usr/bin/env bash
# Installs what building, running and testing need, and only what is missing:
# Debian packages (C libraries, PostgreSQL, ffmpeg, wrk, nginx, a C compiler for the
# benchmark's evhttp floor) and a Python venv in .venv for the test tooling (LiveKit's
# own Python packages, moto, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc pkg-config libevent-dev libssl-dev libsqlite3-dev libpq-dev
          postgresql ffmpeg wrk nginx-light python3-venv curl)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "deps: installing Debian packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
stamp=.venv/.requirements
if [ ! -f "$stamp" ] || ! cmp -s requirements-dev.txt "$stamp"; then
    echo "deps: preparing the Python test tooling in .venv"
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
    cp requirements-dev.txt "$stamp"
fi
