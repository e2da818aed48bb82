#!/usr/bin/env bash
# Everything `make test` runs: the Swift suites (unit and integration) with the real
# parts started here (S3 server, LiveKit emulator, PostgreSQL), then the Python
# suites. Integration tests find the parts through TEST_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack/lib.sh

cleanup() {
    scripts/stack/s3.sh stop || true
}
trap cleanup EXIT

swift build --build-tests

eval "$(S3_PORT= scripts/stack/s3.sh start | sed 's/^S3_ENDPOINT=/export TEST_S3_ENDPOINT=/')"
export TEST_PYTHON="$PWD/.venv/bin/python"
export TEST_REQUIRE_INTEGRATION=1

swift test --skip-build

# The Python suites: deployment manifests checked against the code.
.venv/bin/python -m pytest -q -p no:cacheprovider deploy/tests
