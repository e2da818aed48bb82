#!/usr/bin/env bash
# Everything `make test` runs: the Swift suites (unit and integration) with the real
# parts started here (S3 server, LiveKit emulator, PostgreSQL), then the Python
# suites. Integration tests find the parts through TEST_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack/lib.sh

cleanup() {
    scripts/stack/postgres.sh stop || true
    scripts/stack/emulator.sh stop || true
    scripts/stack/s3.sh stop || true
}
trap cleanup EXIT

swift build --build-tests

# `eval "$(…)"` would hide a failed start: each part is checked right after.
eval "$(S3_PORT= scripts/stack/s3.sh start | sed 's/^S3_ENDPOINT=/export TEST_S3_ENDPOINT=/')"
: "${TEST_S3_ENDPOINT:?the S3 server did not start (see .stack/s3.log)}"
eval "$(EMULATOR_PORT= WEBHOOK_URL= scripts/stack/emulator.sh start \
    --room '!demo:example.org' --participant '!demo:example.org=alice' --participant '!demo:example.org=bob' \
    | sed 's/^LIVEKIT_URL=/export TEST_LIVEKIT_URL=/; s/^LIVEKIT_CONTROL_URL=/export TEST_LIVEKIT_CONTROL_URL=/')"
: "${TEST_LIVEKIT_URL:?the LiveKit emulator did not start (see .stack/emulator.log)}"
export TEST_LIVEKIT_API_KEY="$(sed -n 's/^LIVEKIT_API_KEY=//p' scripts/stack/dev.env)"
export TEST_LIVEKIT_API_SECRET="$(sed -n 's/^LIVEKIT_API_SECRET=//p' scripts/stack/dev.env)"
eval "$(scripts/stack/postgres.sh start | sed 's/^TEST_POSTGRES_URL=/export TEST_POSTGRES_URL=/')"
: "${TEST_POSTGRES_URL:?PostgreSQL did not start (see .stack/postgres*)}"
export TEST_PYTHON="$PWD/.venv/bin/python"
export TEST_REQUIRE_INTEGRATION=1

# The live HTTP server suite asserts concurrency with wall-clock bounds (50 slow
# requests in flight at once): it runs alone, so the rest of the suite running in
# parallel on a 2-core machine cannot starve it.
swift test --skip-build --filter HTTPServerTests
swift test --skip-build --skip HTTPServerTests

# Contract fuzz: every operation of the OpenAPI document, bad inputs included,
# against the live server; no 5xx, every response as documented.
tools/schemathesis/run.sh

# The Python suites: the LiveKit emulator (it starts its own S3 server and
# emulator), and the deployment manifests checked against the code.
.venv/bin/python -m pytest -q -p no:cacheprovider tools/livekit-emulator/tests
.venv/bin/python -m pytest -q -p no:cacheprovider deploy/tests
