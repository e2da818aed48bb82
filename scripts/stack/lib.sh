# Shared helpers for the scripts that start the local stack's processes.
# Each process writes its pid to .stack/<name>.pid and its log to .stack/<name>.log.

STACK_DIR=${STACK_DIR:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.stack"}
mkdir -p "$STACK_DIR"

# A free TCP port on loopback, chosen by the kernel.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_http URL SECONDS: polls until URL answers at all (any status).
wait_for_http() {
    local url=$1 seconds=${2:-30} i
    for ((i = 0; i < seconds * 10; i++)); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    echo "timed out waiting for $url" >&2
    return 1
}

# stop_process NAME: stops what start wrote to NAME.pid, politely then firmly.
stop_process() {
    local pidfile="$STACK_DIR/$1.pid" pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
