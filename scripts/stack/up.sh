#!/usr/bin/env bash
# The local stack: an S3 server (moto), the LiveKit emulator with a demo room, and recording-api
# in the foreground on http://127.0.0.1:${PORT:-3000}. Ctrl-C (or SIGTERM) stops all three.
# RECORDING_API_BIN chooses the server binary (default .build/debug/recording-api; `make run`
# builds it first). Credentials come from scripts/stack/dev.env (local use only).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/stack/lib.sh
set -a
source scripts/stack/dev.env
set +a

PORT=${PORT:-3000}
server_bin=${RECORDING_API_BIN:-.build/debug/recording-api}
demo_room='!demo:example.org'
if [ ! -x "$server_bin" ]; then
    echo "up: no server binary at $server_bin; build it first (swift build), or run: make run" >&2
    exit 1
fi

server_pid=""
stop_everything() {
    trap - EXIT INT TERM
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    scripts/stack/emulator.sh stop || true
    scripts/stack/s3.sh stop || true
}
trap stop_everything EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each start prints NAME=value lines (URLs only); export them.
export_lines() { while IFS='=' read -r name value; do [ -n "$name" ] && export "$name=$value"; done; }

export_lines < <(S3_PORT="${S3_PORT:-}" scripts/stack/s3.sh start)
# The emulator refuses uploads with other S3 credentials than the stack's, as a real bucket would.
export_lines < <(WEBHOOK_URL="http://127.0.0.1:$PORT/webhooks/livekit" \
    EMULATOR_EXPECT_S3_ACCESS_KEY="$S3_ACCESS_KEY" EMULATOR_EXPECT_S3_SECRET="$S3_SECRET_KEY" \
    scripts/stack/emulator.sh start --room "$demo_room" \
        --participant "$demo_room=alice" --participant "$demo_room=bob")
[ -n "${S3_ENDPOINT:-}" ] && [ -n "${LIVEKIT_URL:-}" ] || { echo "up: a part did not start" >&2; exit 1; }

operator_key=${RECORDING_API_KEYS%%,*}
operator_key=${operator_key#*:}
api="http://127.0.0.1:$PORT"
auth="-H \"Authorization: Bearer $operator_key\""
cat <<INFO

  S3 (moto)        $S3_ENDPOINT   bucket $S3_BUCKET
  LiveKit emulator $LIVEKIT_URL   control $LIVEKIT_CONTROL_URL   (room $demo_room: alice, bob)
  recording-api    $api   logs below; Ctrl-C stops everything

  # start a recording of the demo room, remember its id
  EGRESS_ID=\$(curl -s -X POST $api/api/recording/start $auth -H "Content-Type: application/json" -d '{"roomName":"$demo_room"}' | tee /dev/stderr | sed -n 's/.*"egressId":"\([^"]*\)".*/\1/p')
  curl -s $api/api/recording/status/\$EGRESS_ID $auth
  curl -s $api/api/recording/list $auth
  curl -s -X POST $api/api/recording/stop $auth -H "Content-Type: application/json" -d "{\"egressId\":\"\$EGRESS_ID\"}"
  curl -L -o recording.mp4 "$api/api/recording/download/\$EGRESS_ID?redirect=true" $auth

INFO

mkdir -p data
env HOST=127.0.0.1 PORT="$PORT" \
    LIVEKIT_URL="$LIVEKIT_URL" LIVEKIT_API_KEY="$LIVEKIT_API_KEY" LIVEKIT_API_SECRET="$LIVEKIT_API_SECRET" \
    S3_ENDPOINT="$S3_ENDPOINT" S3_REGION="$S3_REGION" S3_BUCKET="$S3_BUCKET" \
    S3_ACCESS_KEY="$S3_ACCESS_KEY" S3_SECRET_KEY="$S3_SECRET_KEY" S3_FORCE_PATH_STYLE=true \
    DATABASE_URL="${DATABASE_URL:-sqlite://data/recordings.db}" RECORDING_API_KEYS="$RECORDING_API_KEYS" \
    "$server_bin" &
server_pid=$!
# `wait` (unlike a foreground child) lets the INT/TERM traps run at once.
set +e
wait "$server_pid"
status=$?
set -e
server_pid=""
echo "up: recording-api exited with status $status" >&2
exit "$status"
