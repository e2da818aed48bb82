"""Helpers shared by the emulator's tests."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any, Callable

import boto3
import requests
from livekit.api import AccessToken, VideoGrants

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "test-key"
API_SECRET = "test-secret-for-the-emulator-suite-0123456789"
BUCKET = "livekit-recordings"
DEMO_ROOM = "!demo:example.org"
PAGE_SIZE = 2
EGRESS = "/twirp/livekit.Egress/"
ROOMS = "/twirp/livekit.RoomService/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test-access-key", aws_secret_access_key="test-secret-key")


def token(secret: str = API_SECRET, **grants: Any) -> str:
    return AccessToken(API_KEY, secret).with_identity("test").with_grants(VideoGrants(**grants)).to_jwt()


def record_token() -> str:
    return token(room_record=True)


def call(base: str, path: str, body: Any, bearer: str | None = None,
         content_type: str = "application/json") -> requests.Response:
    headers = {"Content-Type": content_type}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    data = body if isinstance(body, (bytes, str)) else __import__("json").dumps(body)
    return requests.post(base + path, data=data, headers=headers, timeout=10)


def egress_call(base: str, method: str, body: Any) -> requests.Response:
    return call(base, EGRESS + method, body, record_token())


def file_request(endpoint: str, room: str = DEMO_ROOM, filepath: str = "recordings/{room_name}-test.mp4",
                 **s3_extra: Any) -> dict[str, Any]:
    s3 = {"access_key": "test-access-key", "secret": "test-secret-key", "region": "us-east-1",
          "endpoint": endpoint, "bucket": BUCKET, "force_path_style": True}
    s3.update(s3_extra)
    return {"room_name": room, "layout": "grid-dark", "preset": "H264_720P_30",
            "file_outputs": [{"file_type": "MP4", "filepath": filepath, "s3": s3}]}


def wait_until(probe: Callable[[], Any], seconds: float = 15, what: str = "condition") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def egress_status(base: str, egress_id: str) -> dict[str, Any]:
    response = egress_call(base, "ListEgress", {"egress_id": egress_id})
    response.raise_for_status()
    return response.json()["items"][0]


def wait_status(base: str, egress_id: str, status: str, seconds: float = 15) -> dict[str, Any]:
    return wait_until(lambda: (lambda info: info if info["status"] == status else None)(
        egress_status(base, egress_id)), seconds, f"{egress_id} {status}")
