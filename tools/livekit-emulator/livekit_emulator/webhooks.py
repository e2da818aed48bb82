"""Webhooks as LiveKit's notifier sends them (livekit/protocol webhook/notifier.go):
POST, `Content-Type: application/webhook+json`, `Authorization: <JWT>` (no "Bearer "),
the JWT's `sha256` claim = standard base64 of SHA-256 over the exact body bytes, body =
protojson with lowerCamelCase keys and defaults omitted. Deliveries go out one at a time
from a queue; a failed delivery is logged and dropped (LiveKit retries a little, then gives up).
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import logging
import secrets
import time
from typing import Any

import aiohttp
from livekit.api import AccessToken
from livekit.protocol import egress as eg
from livekit.protocol import webhook as wh

from .wire import webhook_body

log = logging.getLogger("livekit_emulator.webhooks")

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def guid(prefix: str) -> str:
    """LiveKit ids: a prefix and 12 characters of base57 (protocol utils/guid)."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(12))


class WebhookSender:
    def __init__(self, url: str | None, api_key: str, api_secret: str):
        self.url = url
        self.api_key = api_key
        self.api_secret = api_secret
        self.drop_next = 0
        self.duplicate_next = 0
        self.sent: list[dict[str, Any]] = []
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        self._worker = asyncio.create_task(self._deliver_forever())

    async def close(self) -> None:
        if self._worker:
            self._worker.cancel()
        if self._session:
            await self._session.close()

    def egress_event(self, event: str, info: eg.EgressInfo) -> None:
        message = wh.WebhookEvent(event=event, id=guid("EV_"), created_at=int(time.time()))
        message.egress_info.CopyFrom(info)
        body = webhook_body(message)
        record = {"event": event, "id": message.id, "egress_id": info.egress_id,
                  "status": eg.EgressStatus.Name(info.status), "delivered": [], "dropped": False}
        self.sent.append(record)
        log.info("egress %s %s (%s)", info.egress_id, record["status"], event)
        if not self.url:
            record["dropped"] = True
            record["reason"] = "no webhook URL configured"
            return
        if self.drop_next > 0:
            self.drop_next -= 1
            record["dropped"] = True
            record["reason"] = "dropped on request"
            return
        copies = 1
        if self.duplicate_next > 0:
            self.duplicate_next -= 1
            copies = 2
        for _ in range(copies):
            self._queue.put_nowait((self.url, body, record))

    async def drain(self, timeout: float = 10) -> None:
        """Waits until every queued delivery has been attempted (or the timeout passes)."""
        if self._queue is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except asyncio.TimeoutError:
            pass

    def _token(self, body: bytes) -> str:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        return (AccessToken(self.api_key, self.api_secret)
                .with_ttl(datetime.timedelta(minutes=5))
                .with_sha256(digest)
                .to_jwt())

    async def _deliver_forever(self) -> None:
        while True:
            url, body, record = await self._queue.get()
            try:
                headers = {"Content-Type": "application/webhook+json", "Authorization": self._token(body)}
                async with self._session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    record["delivered"].append(response.status)
                    if response.status >= 300:
                        log.warning("webhook %s %s answered %d", record["event"], record["id"], response.status)
            except Exception as error:  # a receiver that is down must not stop the emulator
                record["delivered"].append(f"error: {error.__class__.__name__}: {error}")
                log.warning("webhook %s %s not delivered to %s: %s", record["event"], record["id"], url, error)
            finally:
                self._queue.task_done()
