"""The recording Egress would produce: a real MP4 (ffmpeg test pattern + tone) put into S3
with the credentials and addressing taken from the request, as Egress does."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config as BotoConfig
from livekit.protocol import egress as eg

log = logging.getLogger("livekit_emulator.media")


class MediaMaker:
    """Makes MP4 clips of whole seconds and keeps them, so each length is encoded once."""

    def __init__(self, cache_dir: Path, min_seconds: int = 1, max_seconds: int = 30):
        self.cache_dir = cache_dir
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self._locks: dict[tuple, asyncio.Lock] = {}

    def clip_seconds(self, active_seconds: float) -> int:
        return max(self.min_seconds, min(self.max_seconds, round(active_seconds)))

    async def clip(self, seconds: int, audio: bool = True, video: bool = True) -> Path:
        key = (seconds, audio, video)
        path = self.cache_dir / f"clip-{seconds}s-{'a' if audio else ''}{'v' if video else ''}.mp4"
        async with self._locks.setdefault(key, asyncio.Lock()):
            if path.exists():
                return path
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=self.cache_dir, suffix=".mp4")
            os.close(fd)
            arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
            if video:
                arguments += ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15"]
            if audio:
                arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
            arguments += ["-t", str(seconds)]
            if video:
                arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
            if audio:
                arguments += ["-c:a", "aac", "-b:a", "64k"]
            arguments += ["-movflags", "+faststart", partial]
            process = await asyncio.create_subprocess_exec(
                *arguments, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _, stderr = await process.communicate()
            if process.returncode != 0:
                os.unlink(partial)
                raise RuntimeError(f"ffmpeg failed: {stderr.decode(errors='replace').strip()}")
            os.replace(partial, path)
            return path


@dataclass
class Uploaded:
    location: str
    size: int


class UploadError(Exception):
    pass


class S3Checks:
    """Optional strictness beyond moto, which accepts any key: the credentials the real bucket
    would accept. None means accept anything, like moto."""

    def __init__(self, access_key: str | None = None, secret: str | None = None):
        self.access_key = access_key
        self.secret = secret


def upload(path: Path, key: str, s3: eg.S3Upload, checks: S3Checks) -> Uploaded:
    """Blocking: run it in a thread. Raises UploadError with the text Egress would report."""
    # MinIO (the reference deployment) rejects what moto forgives; refuse the same inputs here.
    if key.startswith("/"):
        raise UploadError(f"object key {key!r} starts with '/': MinIO refuses it (XMinioInvalidObjectName)")
    if s3.endpoint and not s3.region:
        raise UploadError("missing region: an S3-compatible endpoint needs an explicit region")
    if not s3.bucket:
        raise UploadError("missing bucket")
    if checks.access_key is not None and s3.access_key != checks.access_key:
        raise UploadError("operation error S3: PutObject, api error InvalidAccessKeyId: "
                          "The AWS Access Key Id you provided does not exist in our records.")
    if checks.secret is not None and s3.secret != checks.secret:
        raise UploadError("operation error S3: PutObject, api error SignatureDoesNotMatch: "
                          "The request signature we calculated does not match the signature you provided.")
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint or None,
        region_name=s3.region or "us-east-1",
        aws_access_key_id=s3.access_key or None,
        aws_secret_access_key=s3.secret or None,
        aws_session_token=s3.session_token or None,
        config=BotoConfig(
            s3={"addressing_style": "path" if s3.force_path_style else "virtual"},
            retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )
    extra: dict = {"ContentType": "video/mp4"}
    if s3.metadata:
        extra["Metadata"] = dict(s3.metadata)
    if s3.content_disposition:
        extra["ContentDisposition"] = s3.content_disposition
    if s3.tagging:
        extra["Tagging"] = s3.tagging
    try:
        with path.open("rb") as body:
            client.put_object(Bucket=s3.bucket, Key=key, Body=body, **extra)
    except Exception as error:  # boto3 raises many unrelated types; Egress reports the text.
        raise UploadError(str(error)) from error
    return Uploaded(location=location(s3, key), size=path.stat().st_size)


def location(s3: eg.S3Upload, key: str) -> str:
    quoted = quote(key)
    if not s3.endpoint:
        return f"https://{s3.bucket}.s3.amazonaws.com/{quoted}"
    if s3.force_path_style:
        return f"{s3.endpoint.rstrip('/')}/{s3.bucket}/{quoted}"
    parts = urlsplit(s3.endpoint)
    return f"{parts.scheme}://{s3.bucket}.{parts.netloc}/{quoted}"
