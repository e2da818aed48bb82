#!/usr/bin/env bash
# recording-api with 128 file descriptors, 200 idle connections: does accept() spin?
# Usage: tools/adversary/fd_exhaustion.sh   (prints CPU ticks while saturated and after)
# Before the fix (libevent 2.1.12, no listener error callback): 471 ticks in 3 s (~150% CPU)
# and 691,415 "[warn] Error from accept() call" lines on stderr. After: ~1 tick, 0 lines.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
py="$root/.venv/bin/python"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
setsid env -i PATH="$PATH" HOST=127.0.0.1 PORT="$port" LOG_FORMAT=json LIVEKIT_URL=http://127.0.0.1:1 \
    LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=fd-probe-secret-0123456789abcdef S3_ENDPOINT=http://127.0.0.1:1 \
    S3_ACCESS_KEY=a S3_SECRET_KEY=b DATABASE_URL="sqlite://$log.db" RECORDING_API_KEYS=adv:fd-probe-key-0123456789 \
    prlimit --nofile=128 "${RECORDING_API_BIN:-$root/.build/debug/recording-api}" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
"$py" - "$port" "$pid" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def cpu():
    fields = open(f"/proc/{pid}/stat").read().split()
    return int(fields[13]) + int(fields[14])
socks = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(200)]
before = cpu(); time.sleep(3)
print("cpu ticks (1/100 s) in 3 s while saturated:", cpu() - before)
for s in socks: s.close()
time.sleep(2); before = cpu(); time.sleep(2)
print("cpu ticks in 2 s after release:", cpu() - before)
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("health after release:", s.recv(64).split(b"\r\n")[0].decode())
PY
echo "accept() warnings on stderr: $(grep -c 'Error from accept' "$log" || true)"
echo "pause notices logged: $(grep -c 'pausing accept' "$log" || true)"
kill "$pid"; rm -f "$log" "$log.db"*
