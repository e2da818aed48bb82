#!/usr/bin/env bash
# `make bench`: how fast, how small, and how cost grows with history. Builds recording-api
# in release mode, starts its own moto S3, LiveKit emulator (zero delays), PostgreSQL and
# an nginx and the evhttp floor (bench/evhttp-floor.c) for calibration, runs recording-api on SQLite and then on PostgreSQL, measures,
# and writes bench/results/latest.md (bench/results/latest.jsonl has the raw figures).
# bench/README.md says what each figure means and which targets apply.
#
# Knobs (defaults are the real run, ~6 minutes on 2 cores):
#   BENCH_DURATION=10s   each wrk run        BENCH_SIZES="1000 10000 100000"  history sizes
#   BENCH_CYCLES=100     start/stop cycles   BENCH_BACKENDS="sqlite postgres"
#   BENCH_HEALTH_ROUNDS=3  alternating /health rounds (recording-api, nginx, evhttp floor) at 32 connections
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
began=$SECONDS
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

DURATION=${BENCH_DURATION:-10s}
SIZES=${BENCH_SIZES:-"1000 10000 100000"}
CYCLES=${BENCH_CYCLES:-100}
HEALTH_ROUNDS=${BENCH_HEALTH_ROUNDS:-3}
BACKENDS=${BENCH_BACKENDS:-"sqlite postgres"}
THREADS=2
OPERATOR_KEY=bench-operator-key-0123456789

for tool in wrk nginx psql curl cc pkg-config; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/recording-api-bench.XXXXXX)
# Our own stack directory: a `make run` in this checkout keeps its processes.
export STACK_DIR=$work/stack
source scripts/stack/lib.sh
results=$work/results.jsonl
: >"$results"
server_pid=""
nginx_pid=""
floor_pid=""
sampler_pid=""

cleanup() {
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
    stop_server
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null || true
    scripts/stack/emulator.sh stop || true
    scripts/stack/s3.sh stop || true
    scripts/stack/postgres.sh stop || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - began)) >&2; }

# --- build ------------------------------------------------------------------------------
say "release build"
swift build -c release --product recording-api >&2
binary="$(swift build -c release --show-bin-path)/recording-api"

# --- the stack --------------------------------------------------------------------------
set -a
source scripts/stack/dev.env
set +a
api_port=$(free_port)
nginx_port=$(free_port)
floor_port=$(free_port)
api="http://127.0.0.1:$api_port"

say "starting moto, the emulator, PostgreSQL, nginx, the evhttp floor"
export_lines() { while IFS='=' read -r name value; do [ -n "$name" ] && export "$name=$value"; done; }
export_lines < <(scripts/stack/s3.sh start)
export_lines < <(WEBHOOK_URL="$api/webhooks/livekit" scripts/stack/emulator.sh start \
    --start-delay 0 --end-delay 0 --max-media-seconds 1 --log-level WARNING)
if [[ " $BACKENDS " == *" postgres "* ]]; then
    export_lines < <(scripts/stack/postgres.sh start)
fi
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" bench/nginx.conf >"$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
nginx_pid=$!
wait_for_http "http://127.0.0.1:$nginx_port/health" 10
# Plain evhttp answering /health inline: the ceiling of any evhttp server on this machine,
# so the report can tell what is libevent's and what is ours (bench/README.md).
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$work/evhttp-floor" bench/evhttp-floor.c $(pkg-config --cflags --libs libevent libevent_pthreads)
"$work/evhttp-floor" "$floor_port" "$(nproc)" &
floor_pid=$!
wait_for_http "http://127.0.0.1:$floor_port/health" 10

# --- recording-api ----------------------------------------------------------------------
# server_command DATABASE_URL: sets `server` to the command line (env + binary), no shell in between,
# so $! is the server's own pid (VmRSS is read from /proc/$!).
server_command() {
    server=(env HOST=127.0.0.1 PORT="$api_port" DATABASE_URL="$1"
        LIVEKIT_URL="$LIVEKIT_URL" LIVEKIT_API_KEY="$LIVEKIT_API_KEY" LIVEKIT_API_SECRET="$LIVEKIT_API_SECRET"
        S3_ENDPOINT="$S3_ENDPOINT" S3_REGION="$S3_REGION" S3_BUCKET="$S3_BUCKET"
        S3_ACCESS_KEY="$S3_ACCESS_KEY" S3_SECRET_KEY="$S3_SECRET_KEY" S3_FORCE_PATH_STYLE=true
        RECORDING_API_KEYS="bench:$OPERATOR_KEY" LOG_FORMAT=json SHUTDOWN_GRACE_SECONDS=1
        RECORDING_STOP_WAIT_SECONDS=0 "$binary")
}

start_server() {
    # The access log is written (to /dev/null): production formats it too.
    server_command "$1"
    "${server[@]}" >/dev/null 2>>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 300); do
        curl -fs -o /dev/null "$api/health" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    tail -n 20 "$work/server.err" >&2
    echo "bench: recording-api did not start" >&2
    exit 1
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# User + system CPU the process has used, in clock ticks (/proc/PID/stat fields 14 and 15):
# CPU per request is the figure a busy shared machine disturbs least.
clock_ticks=$(getconf CLK_TCK)
# cpu_ticks PID...: their user + system CPU together.
cpu_ticks() {
    local pid total=0
    for pid in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done
    echo "$total"
}
# The processes that serve a measurement's backend: nginx's master and workers, the floor, or us.
serving_pids() {
    case $1 in
    *'"nginx"'*) echo "$nginx_pid" $(pgrep -P "$nginx_pid") ;;
    *'"evhttp-floor"'*) echo "$floor_pid" ;;
    *) echo "$server_pid" ;;
    esac
}

# record KIND JSON-FIELDS: one line of raw results.
record() { echo "{\"kind\":\"$1\",$2}" >>"$results"; }

# Largest VmRSS of the server while a load runs: sampled every 100 ms in the background.
start_rss_sampler() {
    local out=$work/rss-max
    echo 0 >"$out"
    (
        max=0
        while kill -0 "$server_pid" 2>/dev/null; do
            kb=$(rss_kb "$server_pid" 2>/dev/null || echo 0)
            # Written aside and renamed: a sampler stopped mid-write must not leave an empty file.
            if ((kb > max)); then max=$kb; echo "$max" >"$out.new" && mv "$out.new" "$out"; fi
            sleep 0.1
        done
    ) &
    sampler_pid=$!
}
stop_rss_sampler() {
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
    cat "$work/rss-max"
}

# measure FIELDS CONNECTIONS URL [PATHS_FILE]: one wrk run; FIELDS labels the result line.
measure() {
    local fields=$1 connections=$2 url=$3 paths=${4:-} line
    echo "-- $fields c=$connections" >&2
    local pids
    read -ra pids <<<"$(serving_pids "$fields")"
    local ticks_before ticks_after
    ticks_before=$(cpu_ticks "${pids[@]}")
    BENCH_PATHS_FILE=$paths wrk -t"$THREADS" -c"$connections" -d"$DURATION" --latency -s bench/wrk.lua \
        -H "Authorization: Bearer $OPERATOR_KEY" "$url" >"$work/wrk.out"
    ticks_after=$(cpu_ticks "${pids[@]}")
    cat "$work/wrk.out" >>"$work/wrk.log"
    line=$(sed -n 's/^BENCH_JSON {\(.*\)}$/\1/p' "$work/wrk.out")
    [ -n "$line" ] || { cat "$work/wrk.out" >&2; echo "bench: wrk printed no result" >&2; exit 1; }
    record wrk "$fields,\"connections\":$connections,\"cpu_seconds\":$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clock_ticks" 'BEGIN { print t / hz }'),$line"
    grep -E '^ +(Latency|Req/Sec) |Requests/sec|Non-2xx|Socket errors' "$work/wrk.out" >&2 || true
}

# The load at 256 connections, with the server's peak RSS next to it.
measure_with_rss() {
    start_rss_sampler
    measure "$@"
    record rss "\"backend\":\"$backend\",\"when\":\"load\",\"endpoint\":$(sed 's/.*"endpoint":\("[^"]*"\).*/\1/' <<<"$1"),\"kb\":$(stop_rss_sampler)"
}

seed() {
    local total=$1
    if [ "$backend" = sqlite ]; then
        "$root/.venv/bin/python" bench/seed.py sqlite "$work/bench.db" "$total"
    else
        "$root/.venv/bin/python" bench/seed.py postgres "$TEST_POSTGRES_URL" "$total"
    fi
}

first_size=${SIZES%% *}
for backend in $BACKENDS; do
    case $backend in
    sqlite) database_url="sqlite://$work/bench.db" ;;
    postgres) database_url="$TEST_POSTGRES_URL" ;;
    *) echo "bench: unknown backend $backend" >&2; exit 2 ;;
    esac
    say "$backend: start, seed $first_size"
    start_server "$database_url"
    seed "$first_size"
    sleep 1
    record rss "\"backend\":\"$backend\",\"when\":\"idle\",\"kb\":$(rss_kb "$server_pid")"

    for size in $SIZES; do
        [ "$size" = "$first_size" ] || { say "$backend: seed $size"; seed "$size"; }
        "$root/.venv/bin/python" bench/seed.py status-paths "$size" 1000 >"$work/status-paths"
        cursor=$("$root/.venv/bin/python" bench/seed.py middle-cursor "$size")
        label="\"backend\":\"$backend\",\"size\":$size"
        say "$backend: $size recordings"
        if [ "$size" = "$first_size" ]; then
            if [ "$backend" = "${BACKENDS%% *}" ]; then
                # /health touches no database: once per backend run, next to nginx and the
                # evhttp floor, same connections. At 32 (the target) in HEALTH_ROUNDS alternating
                # rounds, compared by medians: a single nginx run here swings 99k-133k req/s
                # between runs.
                for round in $(seq "$HEALTH_ROUNDS"); do
                    measure "$label,\"endpoint\":\"health\",\"round\":$round" 32 "$api/health"
                    measure "\"backend\":\"nginx\",\"size\":0,\"endpoint\":\"health\",\"round\":$round" 32 "http://127.0.0.1:$nginx_port/health"
                    measure "\"backend\":\"evhttp-floor\",\"size\":0,\"endpoint\":\"health\",\"round\":$round" 32 "http://127.0.0.1:$floor_port/health"
                done
                measure_with_rss "$label,\"endpoint\":\"health\"" 256 "$api/health"
                measure "\"backend\":\"nginx\",\"size\":0,\"endpoint\":\"health\"" 256 "http://127.0.0.1:$nginx_port/health"
            fi
            measure_with_rss "$label,\"endpoint\":\"status\"" 256 "$api" "$work/status-paths"
            measure_with_rss "$label,\"endpoint\":\"list\"" 256 "$api/api/recording/list?limit=50"
            sleep 2
            record rss "\"backend\":\"$backend\",\"when\":\"after\",\"kb\":$(rss_kb "$server_pid")"
        fi
        measure "$label,\"endpoint\":\"status\"" 32 "$api" "$work/status-paths"
        measure "$label,\"endpoint\":\"list\"" 32 "$api/api/recording/list?limit=50"
        measure "$label,\"endpoint\":\"list-deep\"" 32 "$api/api/recording/list?limit=50&cursor=$cursor"
    done

    if [ "$CYCLES" -gt 0 ]; then
        say "$backend: $CYCLES start/stop cycles"
        "$root/.venv/bin/python" bench/cycles.py --api "$api" --operator-key "$OPERATOR_KEY" --livekit "$LIVEKIT_URL" \
            --cycles "$CYCLES" --label "$backend" --json "$results"
    fi
    stop_server

    say "$backend: start-up time"
    server_command "$database_url"
    "$root/.venv/bin/python" bench/startup.py --port "$api_port" --runs 5 --label "$backend" --json "$results" -- "${server[@]}"
done

# --- report -----------------------------------------------------------------------------
say "report"
mkdir -p bench/results
cp "$results" bench/results/latest.jsonl
"$root/.venv/bin/python" bench/report.py "$results" \
    --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes')" \
    --duration "$DURATION" --cycles "$CYCLES" --elapsed $((SECONDS - began)) \
    --load "$load_at_start" >bench/results/latest.md
cat bench/results/latest.md
