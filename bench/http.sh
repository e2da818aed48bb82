#!/usr/bin/env bash
# Throughput of GET /health: a release build of recording-api against nginx serving the
# same bytes, same machine, same run. Prints both req/s and the ratio (target >= 0.6).
# For calibration it also measures evhttp-floor.c: plain libevent answering the same bytes
# inline, i.e. the ceiling of any evhttp server here. The three run in turn, ROUNDS times
# (a shared machine drifts by tens of percent between runs); the medians are compared.
#
#   bench/http.sh                     # defaults below
#   THREADS=2 CONNECTIONS=32 DURATION=10s ROUNDS=3 API_PORT=3901 NGINX_PORT=3902 FLOOR_PORT=3903 bench/http.sh
#   API_BINARY=/tmp/recording-api-before bench/http.sh   # another build, not built here
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
API_PORT=${API_PORT:-3901}
NGINX_PORT=${NGINX_PORT:-3902}
FLOOR_PORT=${FLOOR_PORT:-3903}
ROUNDS=${ROUNDS:-3}

for tool in wrk nginx cc pkg-config; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light gcc pkg-config)" >&2; exit 1; }
done

# API_BINARY: measure that build instead (e.g. a copy of the previous one, to compare).
if [ -n "${API_BINARY:-}" ]; then
    binary=$API_BINARY
else
    swift build -c release --product recording-api >&2
    binary="$(swift build -c release --show-bin-path)/recording-api"
fi

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
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$work/evhttp-floor" bench/evhttp-floor.c $(pkg-config --cflags --libs libevent libevent_pthreads)
"$work/evhttp-floor" "$FLOOR_PORT" "$(nproc)" &
pids+=($!)
wait_for "$API_PORT"
wait_for "$NGINX_PORT"
wait_for "$FLOOR_PORT"

requests_per_second() {
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/health" >"$work/wrk-$1.txt"
    awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$1.txt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/api" >"$work/nginx" >"$work/floor"
for round in $(seq 1 "$ROUNDS"); do
    api=$(requests_per_second "$API_PORT")
    nginx_rps=$(requests_per_second "$NGINX_PORT")
    floor=$(requests_per_second "$FLOOR_PORT")
    echo "$api" >>"$work/api"
    echo "$nginx_rps" >>"$work/nginx"
    echo "$floor" >>"$work/floor"
    awk -v r="$round" -v a="$api" -v n="$nginx_rps" -v f="$floor" \
        'BEGIN { printf "round %d: recording-api %.0f, nginx %.0f, evhttp floor %.0f req/s (ratio %.2f)\n", r, a, n, f, a / n }' >&2
done

api=$(median <"$work/api")
nginx_rps=$(median <"$work/nginx")
floor=$(median <"$work/floor")
echo "recording-api: $api req/s (median of $ROUNDS)"
echo "nginx:         $nginx_rps req/s"
echo "evhttp floor:  $floor req/s (plain libevent, same bytes: the ceiling of any evhttp server here)"
awk -v a="$api" -v n="$nginx_rps" -v f="$floor" 'BEGIN {
    printf "ratio:         %.2f (target >= 0.60); evhttp floor / nginx %.2f; recording-api / floor %.2f\n", a / n, f / n, a / f
}'
