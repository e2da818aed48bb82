"""Starts the real parts once per session: moto's S3 server, a webhook receiver, and the emulator
as its own process (as the stack runs it), with a small page size so pagination shows."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from support import API_KEY, API_SECRET, BUCKET, DEMO_ROOM, PAGE_SIZE, ROOT, free_port, s3_client


class WebhookInbox:
    """Every POST it gets: (headers, exact body bytes)."""

    def __init__(self):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        inbox = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with inbox.lock:
                    inbox.received.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/livekit"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def clear(self):
        with self.lock:
            self.received.clear()

    def snapshot(self):
        with self.lock:
            return list(self.received)


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def inbox():
    inbox = WebhookInbox()
    yield inbox
    inbox.server.shutdown()


@pytest.fixture(scope="session")
def emulator(inbox, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    command = [sys.executable, str(ROOT / "emulator.py"), "--port", str(port), "--api-key", API_KEY,
               "--api-secret", API_SECRET, "--webhook-url", inbox.url, "--start-delay", "0.3",
               "--end-delay", "0.2", "--page-size", str(PAGE_SIZE),
               "--media-cache", str(tmp_path_factory.mktemp("media")),
               "--room", DEMO_ROOM, "--participant", f"{DEMO_ROOM}=alice", "--participant", f"{DEMO_ROOM}=bob"]
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(base + "/_emulator/health", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("emulator did not start:\n" + log.read_text())
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def fresh(request):
    """Every test that uses the emulator starts from its initial rooms and no history."""
    if "emulator" in request.fixturenames:
        base = request.getfixturevalue("emulator")
        requests.post(base + "/_emulator/reset", timeout=5).raise_for_status()
        request.getfixturevalue("inbox").clear()
    yield

