"""scripts/stack/up.sh and scripts/demo.sh against a stand-in server (the Swift server may not
serve the API yet): the demo succeeds, and nothing they started is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from support import ROOT, free_port

REPO = ROOT.parents[1]
pytestmark = pytest.mark.stack


@pytest.fixture
def stand_in(tmp_path) -> Path:
    binary = tmp_path / "recording-api"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {ROOT / 'tests' / 'contract_stand_in.py'}\n")
    binary.chmod(0o755)
    return binary




def stack_processes(stack_dir: Path) -> list[int]:
    """Processes started with this test's STACK_DIR in their environment: the stack's parts."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"STACK_DIR={stack_dir}".encode() in environ:
                found.append(int(entry.name))
    return found


def test_demo_runs_end_to_end_and_leaves_nothing(tmp_path, stand_in):
    stack_dir = tmp_path / "stack"
    env = dict(os.environ, STACK_DIR=str(stack_dir), RECORDING_API_BIN=str(stand_in),
               DEMO_OUTPUT=str(tmp_path / "demo.mp4"))
    run = subprocess.run([str(REPO / "scripts" / "demo.sh")], env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "demo: OK" in run.stdout
    assert (tmp_path / "demo.mp4").stat().st_size > 0
    time.sleep(0.5)
    assert stack_processes(stack_dir) == []
    assert not list(stack_dir.glob("*.pid"))


def test_up_stops_everything_on_sigterm(tmp_path, stand_in):
    stack_dir, port = tmp_path / "stack", free_port()
    env = dict(os.environ, STACK_DIR=str(stack_dir), RECORDING_API_BIN=str(stand_in), PORT=str(port))
    up = subprocess.Popen([str(REPO / "scripts" / "stack" / "up.sh")], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    assert len(stack_processes(stack_dir)) >= 4  # up.sh, moto, emulator, server

    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=30)

    assert "Authorization: Bearer dev-operator-key" in output
    time.sleep(0.5)
    assert stack_processes(stack_dir) == []
    assert not list(stack_dir.glob("*.pid"))
