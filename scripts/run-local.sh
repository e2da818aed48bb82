#!/usr/bin/env bash
# `make run`: build the server, then run the local stack (S3 + LiveKit emulator + recording-api)
# in the foreground. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product recording-api
exec scripts/stack/up.sh
