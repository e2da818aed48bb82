#!/usr/bin/env bash
# start|stop the LiveKit emulator (tools/livekit-emulator) on loopback.
# start prints:  LIVEKIT_URL=http://127.0.0.1:PORT
#                LIVEKIT_CONTROL_URL=http://127.0.0.1:PORT/_emulator
# Environment: EMULATOR_PORT (default: a free port), WEBHOOK_URL (where egress webhooks go;
# none if unset), LIVEKIT_API_KEY/LIVEKIT_API_SECRET (default: dev.env's), and any EMULATOR_*
# setting the emulator reads (see tools/livekit-emulator/README.md). Arguments after `start`
# go to the emulator, e.g. --room '!demo:example.org' --participant '!demo:example.org=alice'.
# S3 needs no setting here: each StartRoomCompositeEgress request names its bucket and endpoint.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"

case "${1:-}" in
start)
    shift
    dev_env="$root/scripts/stack/dev.env"
    api_key=${LIVEKIT_API_KEY:-$(sed -n 's/^LIVEKIT_API_KEY=//p' "$dev_env")}
    api_secret=${LIVEKIT_API_SECRET:-$(sed -n 's/^LIVEKIT_API_SECRET=//p' "$dev_env")}
    port=${EMULATOR_PORT:-$(free_port)}
    arguments=(--host 127.0.0.1 --port "$port" --api-key "$api_key")
    [ -n "${WEBHOOK_URL:-}" ] && arguments+=(--webhook-url "$WEBHOOK_URL")
    # The secret goes through the environment, not argv, so `ps` does not show it.
    LIVEKIT_API_SECRET="$api_secret" \
        "$root/.venv/bin/python" "$root/tools/livekit-emulator/emulator.py" "${arguments[@]}" "$@" \
        >"$STACK_DIR/emulator.log" 2>&1 &
    echo $! >"$STACK_DIR/emulator.pid"
    if ! wait_for_http "http://127.0.0.1:$port/_emulator/health" 30; then
        tail -n 20 "$STACK_DIR/emulator.log" >&2
        stop_process emulator
        exit 1
    fi
    echo "LIVEKIT_URL=http://127.0.0.1:$port"
    echo "LIVEKIT_CONTROL_URL=http://127.0.0.1:$port/_emulator"
    ;;
stop) stop_process emulator ;;
*) echo "usage: $0 start [emulator arguments]|stop" >&2; exit 2 ;;
esac
