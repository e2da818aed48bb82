#!/usr/bin/env bash
# start|stop an S3 server (moto's server mode) on loopback with bucket livekit-recordings.
# start prints: S3_ENDPOINT=http://127.0.0.1:PORT
# Credentials: moto accepts any; the stack uses S3_ACCESS_KEY=test-access-key S3_SECRET_KEY=test-secret-key.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"

case "${1:-}" in
start)
    port=${S3_PORT:-$(free_port)}
    "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$STACK_DIR/s3.log" 2>&1 &
    echo $! >"$STACK_DIR/s3.pid"
    wait_for_http "http://127.0.0.1:$port/" 30
    AWS_ACCESS_KEY_ID=test-access-key AWS_SECRET_ACCESS_KEY=test-secret-key \
        "$root/.venv/bin/python" - "$port" "${S3_BUCKET:-livekit-recordings}" <<'PY'
import sys, boto3
port, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
PY
    echo "S3_ENDPOINT=http://127.0.0.1:$port"
    ;;
stop) stop_process s3 ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
