#!/usr/bin/env bash
# `make demo`: the whole path once, end to end, against the local stack: start a recording of
# the demo room, stop it after a few seconds, fetch its download link, download the MP4 and
# print its duration with ffprobe. Everything started here is stopped on exit; any failure
# exits non-zero. Expects a built server (RECORDING_API_BIN, default .build/debug/recording-api).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/stack/lib.sh

export PORT=${PORT:-$(free_port)}
base_url="http://127.0.0.1:$PORT"
room='!demo:example.org'
operator_key=$(sed -n 's/^RECORDING_API_KEYS=//p' scripts/stack/dev.env)
operator_key=${operator_key%%,*}
operator_key=${operator_key#*:}
out=${DEMO_OUTPUT:-"$STACK_DIR/demo-recording.mp4"}
log="$STACK_DIR/demo-stack.log"

stack_pid=""
stop_stack() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
        kill -TERM "$stack_pid" 2>/dev/null || true
        wait "$stack_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ]; then
        echo "demo: FAILED (status $status); the stack's log: $log" >&2
        tail -n 30 "$log" >&2 || true
    fi
    exit "$status"
}
trap stop_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "demo: $*" >&2; exit 1; }

# api METHOD PATH [BODY]: the response body; fails unless the status is 2xx.
api() {
    local method=$1 path=$2 body=${3:-} response status
    response=$(curl -sS -X "$method" "$base_url$path" -H "Authorization: Bearer $operator_key" \
        ${body:+-H "Content-Type: application/json" -d "$body"} -w $'\n%{http_code}') || fail "$method $path: no answer"
    status=${response##*$'\n'}
    response=${response%$'\n'*}
    echo "> $method $path -> $status $response" >&2
    [[ $status == 2* ]] || fail "$method $path answered $status"
    printf '%s' "$response"
}

# field JSON NAME: a top-level (or egress.) string field of a JSON answer.
field() {
    python3 -c 'import json, sys
document = json.loads(sys.argv[1])
value = document.get(sys.argv[2], (document.get("egress") or {}).get(sys.argv[2]))
if value is None:
    sys.exit("missing field " + sys.argv[2])
print(value)' "$1" "$2"
}

echo "demo: starting the local stack (log: $log)"
scripts/stack/up.sh >"$log" 2>&1 &
stack_pid=$!
for _ in $(seq 300); do
    kill -0 "$stack_pid" 2>/dev/null || fail "the stack stopped before serving"
    curl -s -o /dev/null --max-time 1 "$base_url/health" && break
    sleep 0.2
done
curl -sf -o /dev/null "$base_url/health" || fail "recording-api did not answer on $base_url/health"

started=$(api POST /api/recording/start "{\"roomName\":\"$room\"}")
[ "$(field "$started" success)" = True ] || fail "start did not succeed"
egress_id=$(field "$started" egressId)
echo "demo: recording $egress_id; stopping in 4 seconds"
sleep 4
api POST /api/recording/stop "{\"egressId\":\"$egress_id\"}" >/dev/null

# The file exists once the egress is complete (LiveKit uploads after it stops).
for _ in $(seq 60); do
    status=$(field "$(api GET "/api/recording/status/$egress_id")" status)
    case $status in
    EGRESS_COMPLETE) break ;;
    EGRESS_FAILED | EGRESS_ABORTED | EGRESS_LIMIT_REACHED) fail "recording ended $status" ;;
    esac
    sleep 0.5
done
[ "$status" = EGRESS_COMPLETE ] || fail "recording not complete after 30 s (status $status)"

link=$(api GET "/api/recording/download/$egress_id")
[ "$(field "$link" success)" = True ] || fail "download link refused"
url=$(field "$link" url)
echo "demo: download link valid until $(field "$link" expiresAt)"
curl -sSf -o "$out" "$url" || fail "download of $url failed"
duration=$(ffprobe -v error -show_entries format=duration -of default=noprint_wrappers=1:nokey=1 "$out") \
    || fail "ffprobe cannot read $out"
echo "demo: OK: $out is a ${duration}s MP4 ($(stat -c %s "$out") bytes)"
