#!/usr/bin/env bash
# Throughput of GET /health: a release build of recording-api against nginx serving the
# same bytes, same machine, same run. Prints both req/s and the ratio (target >= 0.6).
#
#   bench/http.sh                     # defaults below
#   THREADS=2 CONNECTIONS=32 DURATION=10s API_PORT=3901 NGINX_PORT=3902 bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
API_PORT=${API_PORT:-3901}
NGINX_PORT=${NGINX_PORT:-3902}

for tool in wrk nginx; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light)" >&2; exit 1; }
done

swift build -c release --product recording-api >&2
binary="$(swift build -c release --show-bin-path)/recording-api"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

wait_for() {
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "nothing answered on port $1" >&2
    exit 1
}

# The access log goes to /dev/null, but is still formatted: production pays that too.
# /health touches no dependency: LiveKit and S3 get placeholders that are never called.
HOST=127.0.0.1 PORT="$API_PORT" DATABASE_URL="sqlite://$work/bench.db" \
    LIVEKIT_URL=http://127.0.0.1:9 LIVEKIT_API_KEY=bench LIVEKIT_API_SECRET=bench-secret-never-used-0123456789 \
    S3_ENDPOINT=http://127.0.0.1:9 S3_ACCESS_KEY=bench-access-key S3_SECRET_KEY=bench-secret-key \
    RECORDING_API_KEYS=bench:bench-operator-key-0123456789 \
    "$binary" >/dev/null 2>"$work/api.err" &
pids+=($!)
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$NGINX_PORT|g" bench/nginx.conf >"$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
pids+=($!)
wait_for "$API_PORT"
wait_for "$NGINX_PORT"

requests_per_second() {
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/health" | tee "$work/wrk-$1.txt" >&2
    awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$1.txt"
}

echo "== recording-api (release, one event loop per core) ==" >&2
api=$(requests_per_second "$API_PORT")
echo "== nginx ==" >&2
nginx_rps=$(requests_per_second "$NGINX_PORT")

echo "recording-api: $api req/s"
echo "nginx:         $nginx_rps req/s"
awk -v a="$api" -v n="$nginx_rps" 'BEGIN { printf "ratio:         %.2f (target >= 0.60)\n", a / n }'
