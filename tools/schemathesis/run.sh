#!/usr/bin/env bash
# Contract fuzz: schemathesis against a live recording-api (issue 10: "every operation,
# generated bad inputs included; no 5xx, every response matches the document").
#
# Self-contained: starts its own S3 server (or reuses TEST_S3_ENDPOINT), its own LiveKit
# emulator with two rooms, and the server binary (RECORDING_API_BIN, default
# .build/debug/recording-api, so `swift build` first) on free ports with a throwaway SQLite
# file, runs schemathesis with an operator key, stops everything, exits non-zero on failure.
# Every check schemathesis has is on (its default); tools/schemathesis/schemathesis.toml says
# which two cases are set aside and why.
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 40 per operation), SCHEMATHESIS_SEED,
# SCHEMATHESIS_REPORT_DIR (absolute path for the JUnit report; default: a temporary directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# Pid files of this run only, so a concurrent `make test` or `make run` is left alone.
export STACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/schemathesis-stack.XXXXXX")"
source scripts/stack/lib.sh
set -a
source scripts/stack/dev.env
set +a

server_bin=${RECORDING_API_BIN:-.build/debug/recording-api}
schemathesis=${SCHEMATHESIS:-$root/.venv/bin/schemathesis}
[ -x "$server_bin" ] || { echo "schemathesis: no server binary at $server_bin; run swift build first" >&2; exit 1; }
[ -x "$schemathesis" ] || { echo "schemathesis: not installed; run make deps (requirements-dev.txt)" >&2; exit 1; }

server_pid=""
started_s3=""
stop_everything() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    scripts/stack/emulator.sh stop || true
    [ -n "$started_s3" ] && scripts/stack/s3.sh stop || true
    rm -rf "$STACK_DIR"
}
trap stop_everything EXIT

if [ -n "${TEST_S3_ENDPOINT:-}" ]; then
    S3_ENDPOINT=$TEST_S3_ENDPOINT
else
    S3_ENDPOINT=$(S3_PORT= scripts/stack/s3.sh start | sed -n 's/^S3_ENDPOINT=//p')
    started_s3=1
fi
port=$(free_port)
operator_key="schemathesis-operator-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
eval "$(WEBHOOK_URL="http://127.0.0.1:$port/webhooks/livekit" scripts/stack/emulator.sh start \
    --start-delay 0.2 --end-delay 0.2 \
    --room '!fuzz:example.org' --participant '!fuzz:example.org=alice' \
    --room 'fuzz-room' --participant 'fuzz-room=bob' | sed 's/^/export /')"

env HOST=127.0.0.1 PORT="$port" LOG_FORMAT=json \
    LIVEKIT_URL="$LIVEKIT_URL" LIVEKIT_API_KEY="$LIVEKIT_API_KEY" LIVEKIT_API_SECRET="$LIVEKIT_API_SECRET" \
    S3_ENDPOINT="$S3_ENDPOINT" S3_REGION="$S3_REGION" S3_BUCKET="$S3_BUCKET" \
    S3_ACCESS_KEY="$S3_ACCESS_KEY" S3_SECRET_KEY="$S3_SECRET_KEY" S3_FORCE_PATH_STYLE=true \
    DATABASE_URL="sqlite://$STACK_DIR/recordings.db" RECORDING_API_KEYS="fuzz:$operator_key" \
    RECORDING_RECONCILE_SECONDS=2 RECORDING_STOP_WAIT_SECONDS=3 \
    "$server_bin" >"$STACK_DIR/server.log" 2>&1 &
server_pid=$!
wait_for_http "http://127.0.0.1:$port/health" 30 || { tail -n 30 "$STACK_DIR/server.log" >&2; exit 1; }

report_dir=${SCHEMATHESIS_REPORT_DIR:-$STACK_DIR/report}
started=$(date +%s)
set +e
# From the temporary directory: schemathesis keeps a crash cache in ./.schemathesis.
(cd "$STACK_DIR" && "$schemathesis" --config-file "$root/tools/schemathesis/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
    --header "Authorization: Bearer $operator_key" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
    ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
    --workers 1 --request-timeout 20 \
    --generation-database none \
    --report junit --report-dir "$report_dir" \
    --no-color)
status=$?
set -e
echo "schemathesis: exit $status after $(( $(date +%s) - started )) s"
if grep -q '"level":"critical"\|Fatal error' "$STACK_DIR/server.log"; then
    echo "schemathesis: the server logged a crash:" >&2
    grep '"level":"critical"\|Fatal error' "$STACK_DIR/server.log" | tail -n 5 >&2
    status=1
fi
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "schemathesis: the server died during the run" >&2
    tail -n 30 "$STACK_DIR/server.log" >&2
    status=1
fi
[ "$status" -eq 0 ] || { echo "--- server log (last 40 lines) ---" >&2; tail -n 40 "$STACK_DIR/server.log" >&2; }
exit "$status"
