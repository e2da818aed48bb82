#!/usr/bin/env bash
# Starts a LiveKit emulator and a recording-api (debug build) for hand-run adversary probes.
# Usage: S3_ENDPOINT=http://127.0.0.1:PORT tools/adversary/stack.sh DIR [VAR=VALUE ...]
# API_PORT=.. EMU_PORT=.. set: restarts only the API on that port with the same DIR database.
# Writes DIR/{emulator,api}.{pid,log}, DIR/env; prints API_PORT=, API_PID=, EMU_PORT=.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir=$1; shift
mkdir -p "$dir"
free_port() { "$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_port=$(free_port); emu_port=$(free_port)
if [ -n "${API_PORT:-}" ]; then  # restart only the API, same port and database (crash tests)
    api_port=$API_PORT
else
setsid "$root/.venv/bin/python" "$root/tools/livekit-emulator/emulator.py" --host 127.0.0.1 --port "$emu_port" \
    --api-key devkey --api-secret dev-secret-for-the-local-stack-only-0123456789 \
    --start-delay 0.3 --end-delay 0.3 --webhook-url "http://127.0.0.1:$api_port/webhooks/livekit" \
    --room '!adv:example.org' --participant '!adv:example.org=alice' >"$dir/emulator.log" 2>&1 &
echo $! >"$dir/emulator.pid"
fi
setsid env -i PATH="$PATH" HOST=127.0.0.1 PORT="$api_port" LOG_FORMAT=json LOG_LEVEL=debug \
    LIVEKIT_URL="http://127.0.0.1:${EMU_PORT:-$emu_port}" LIVEKIT_API_KEY=devkey \
    LIVEKIT_API_SECRET=dev-secret-for-the-local-stack-only-0123456789 \
    S3_ENDPOINT="$S3_ENDPOINT" S3_ACCESS_KEY=dev-access-key S3_SECRET_KEY=dev-secret-key \
    DATABASE_URL="sqlite://$dir/recordings.db" RECORDING_API_KEYS="adv:adversary-operator-key-0123456789" \
    RECORDING_RECONCILE_SECONDS=2 RECORDING_STOP_WAIT_SECONDS=5 "$@" \
    "${RECORDING_API_BIN:-$root/.build/debug/recording-api}" >>"$dir/api.log" 2>&1 &
echo $! >"$dir/api.pid"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$api_port/health" >/dev/null 2>&1 && break; sleep 0.2; done
echo "API_PORT=$api_port API_PID=$(cat "$dir/api.pid") EMU_PORT=$emu_port" | tee "$dir/env"
