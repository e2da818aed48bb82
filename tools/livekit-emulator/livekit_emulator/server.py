"""One aiohttp app: LiveKit's Twirp server API under /twirp, the test control API under /_emulator."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web
from google.protobuf.message import Message
from livekit.protocol import egress as eg
from livekit.protocol import room as rm

from . import auth
from .auth import Authenticator, Caller, PlainUnauthorized
from .wire import (JSON, TWIRP_STATUS, Rejection, TwirpError, content_kind, encode_response, parse_request,
                   response_dict)
from .world import Fault, World

log = logging.getLogger("livekit_emulator")


@dataclass
class Method:
    request_type: type[Message]
    grant: str
    check: Callable[[Caller, Message], None]
    run: Callable[[World, Message], Message]


METHODS: dict[str, dict[str, Method]] = {
    "livekit.Egress": {
        "StartRoomCompositeEgress": Method(eg.RoomCompositeEgressRequest, "roomRecord",
                                           lambda c, r: auth.require_record(c),
                                           lambda w, r: w.start_room_composite(r)),
        "StopEgress": Method(eg.StopEgressRequest, "roomRecord", lambda c, r: auth.require_record(c),
                             lambda w, r: w.stop(r.egress_id)),
        "ListEgress": Method(eg.ListEgressRequest, "roomRecord", lambda c, r: auth.require_record(c),
                             lambda w, r: w.list_egress(r)),
        "UpdateLayout": Method(eg.UpdateLayoutRequest, "roomRecord", lambda c, r: auth.require_record(c),
                               lambda w, r: w.update_layout(r)),
    },
    "livekit.RoomService": {
        "ListRooms": Method(rm.ListRoomsRequest, "roomList", lambda c, r: auth.require_list(c),
                            lambda w, r: w.list_rooms(r)),
        "ListParticipants": Method(rm.ListParticipantsRequest, "roomAdmin",
                                   lambda c, r: auth.require_admin(c, r.room),
                                   lambda w, r: w.list_participants(r)),
    },
}

# What an injected fault says when the test names only a code: LiveKit's own words for it.
FAULT_MESSAGES = {"unavailable": "no response from servers", "deadline_exceeded": "request timed out",
                  "internal": "operation cannot be completed"}


def twirp_error_response(error: TwirpError) -> web.Response:
    return web.Response(status=error.status, body=error.body(), content_type=JSON)


class Server:
    def __init__(self, world: World, authenticator: Authenticator):
        self.world = world
        self.auth = authenticator

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/twirp/{service}/{method}", self.twirp)
        control = ControlAPI(self.world)
        control.register(app.router)
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)
        return app

    async def _startup(self, _app: web.Application) -> None:
        await self.world.webhooks.start()

    async def _cleanup(self, _app: web.Application) -> None:
        await self.world.webhooks.close()

    async def twirp(self, request: web.Request) -> web.StreamResponse:
        entry: dict[str, Any] = {"time": time.time(), "method": request.match_info["method"],
                                 "service": request.match_info["service"]}
        self.world.calls.append(entry)
        response = await self._twirp(request, entry)
        # Never the body: requests carry S3 secrets. Never the token.
        log.info("%s/%s -> %d %s", request.match_info["service"], request.match_info["method"],
                 response.status, entry.get("code", ""))
        return response

    async def _twirp(self, request: web.Request, entry: dict[str, Any]) -> web.StreamResponse:
        service, name = request.match_info["service"], request.match_info["method"]
        self.world.forget_expired()
        try:
            caller = self.auth.caller(request.headers.get("Authorization"), request.query.get("access_token"))
        except PlainUnauthorized as refusal:
            entry.update(ok=False, status=401, code="plain_text_401", error=refusal.text)
            return web.Response(status=401, text=refusal.text, content_type="text/plain", charset="utf-8")
        entry["grants"] = caller.granted()
        try:
            response = await self._serve(request, service, name, caller, entry)
        except TwirpError as error:
            entry.update(ok=False, status=error.status, code=error.code, error=error.msg)
            return twirp_error_response(error)
        entry.update(ok=True, status=200)
        return response

    async def _serve(self, request: web.Request, service: str, name: str, caller: Caller,
                     entry: dict[str, Any]) -> web.Response:
        route = f"{request.method} {request.path}"
        if request.method != "POST":
            raise TwirpError("bad_route", f'unsupported method "{request.method}" (only POST is allowed)',
                             {"twirp_invalid_route": route})
        method = METHODS.get(service, {}).get(name)
        if method is None:
            raise TwirpError("bad_route", f"no handler for path {json.dumps(request.path)}",
                             {"twirp_invalid_route": route})
        entry["grant"] = method.grant
        kind = content_kind(request.headers.get("Content-Type"))
        if kind is None:
            raise TwirpError("bad_route",
                             f"unexpected Content-Type: {json.dumps(request.headers.get('Content-Type', ''))}",
                             {"twirp_invalid_route": route})
        entry["content_type"] = kind
        body = await request.read()
        try:
            message = parse_request(body, kind, method.request_type)
        except Rejection as rejection:
            self.world.rejections.append({
                "time": time.time(), "method": name, "content_type": kind, "code": rejection.code,
                "msg": rejection.msg, "cause": rejection.meta.get("cause", ""),
                "body": body.decode("utf-8", errors="replace")[:4000] if kind == JSON else body.hex()[:4000]})
            raise
        method.check(caller, message)
        fault = self.world.take_fault(name)
        if fault is not None:
            entry["fault"] = True
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.code:
                raise TwirpError(fault.code, fault.msg or FAULT_MESSAGES.get(fault.code, "injected failure"),
                                 status=fault.status)
        result = method.run(self.world, message)
        return web.Response(status=200, body=encode_response(result, kind), content_type=kind)


class ControlError(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, indent=None))


class ControlAPI:
    """JSON endpoints for tests and the local stack; not part of LiveKit."""

    def __init__(self, world: World):
        self.world = world

    def register(self, router: web.UrlDispatcher) -> None:
        routes = [
            ("GET", "/_emulator/health", self.health),
            ("GET", "/_emulator/state", self.state),
            ("POST", "/_emulator/reset", self.reset),
            ("POST", "/_emulator/config", self.config),
            ("POST", "/_emulator/rooms", self.create_room),
            ("POST", "/_emulator/rooms/remove", self.remove_room),
            ("POST", "/_emulator/participants", self.add_participant),
            ("POST", "/_emulator/participants/remove", self.remove_participant),
            ("POST", "/_emulator/faults", self.add_fault),
            ("DELETE", "/_emulator/faults", self.clear_faults),
            ("POST", "/_emulator/hold", self.hold),
            ("GET", "/_emulator/egress/{egress_id}", self.egress),
            ("POST", "/_emulator/egress/activate", self.activate),
            ("POST", "/_emulator/egress/end", self.end),
            ("POST", "/_emulator/egress/forget", self.forget),
            ("GET", "/_emulator/webhooks", self.webhooks),
            ("POST", "/_emulator/webhooks", self.webhook_faults),
            ("GET", "/_emulator/calls", self.calls),
            ("DELETE", "/_emulator/calls", self.clear_calls),
            ("GET", "/_emulator/rejections", self.rejections),
            ("DELETE", "/_emulator/rejections", self.clear_rejections),
        ]
        for verb, path, handler in routes:
            router.add_route(verb, path, self._guard(handler))

    @staticmethod
    def _guard(handler):
        async def guarded(request: web.Request) -> web.Response:
            try:
                body: dict[str, Any] = {}
                if request.method == "POST" and request.can_read_body:
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise ControlError(400, "body must be a JSON object")
                return await handler(request, body)
            except json.JSONDecodeError as error:
                return _json({"error": f"body is not JSON: {error}"}, 400)
            except ControlError as error:
                return _json({"error": error.text}, error.status)
            except TwirpError as error:
                return _json({"error": error.msg, "code": error.code}, error.status)
        return guarded

    @staticmethod
    def _need(body: dict[str, Any], key: str) -> Any:
        if key not in body:
            raise ControlError(400, f"missing field {key!r}")
        return body[key]

    async def health(self, _request, _body):
        return _json({"ok": True})

    async def state(self, _request, _body):
        world = self.world
        return _json({
            "rooms": {name: {"sid": room.info.sid, "participants": sorted(room.participants)}
                      for name, room in world.rooms.items()},
            "egresses": [response_dict(record.info) for record in
                         sorted(world.egresses.values(), key=lambda r: r.seq)],
            "forgotten": sorted(world.forgotten),
            "hold_starting": world.hold_starting,
            "faults": [fault.__dict__ for fault in world.faults],
            "timings": world.timings.__dict__,
            "webhook_url": world.webhooks.url,
        })

    async def reset(self, _request, _body):
        self.world.reset()
        return _json({"ok": True})

    async def config(self, _request, body):
        timings = self.world.timings
        for key in ("start_delay", "end_delay", "forget_after"):
            if key in body:
                setattr(timings, key, float(body[key]))
        if "page_size" in body:
            if int(body["page_size"]) < 1:
                raise ControlError(400, "page_size must be at least 1")
            timings.page_size = int(body["page_size"])
        if "webhook_url" in body:
            self.world.webhooks.url = body["webhook_url"] or None
        if "abort_without_participants" in body:
            self.world.abort_without_participants = bool(body["abort_without_participants"])
        return _json({"timings": timings.__dict__, "webhook_url": self.world.webhooks.url})

    async def create_room(self, _request, body):
        name = self._need(body, "name")
        room = self.world.create_room(name, body.get("metadata", ""))
        for identity in body.get("participants", []):
            self.world.add_participant(name, identity)
        return _json({"name": name, "sid": room.info.sid})

    async def remove_room(self, _request, body):
        if not self.world.remove_room(self._need(body, "name")):
            raise ControlError(404, "no such room")
        return _json({"ok": True})

    async def add_participant(self, _request, body):
        participant = self.world.add_participant(self._need(body, "room"), self._need(body, "identity"),
                                                 body.get("name", ""))
        return _json({"sid": participant.sid})

    async def remove_participant(self, _request, body):
        if not self.world.remove_participant(self._need(body, "room"), self._need(body, "identity")):
            raise ControlError(404, "no such participant")
        return _json({"ok": True})

    async def add_fault(self, _request, body):
        code = body.get("code")
        if code is not None and code not in TWIRP_STATUS:
            raise ControlError(400, f"unknown Twirp code {code!r}")
        method = body.get("method")
        if method is not None and not any(method in methods for methods in METHODS.values()):
            raise ControlError(400, f"unknown method {method!r}")
        fault = Fault(count=int(body.get("count", 1)), method=method, code=code, msg=body.get("msg"),
                      status=body.get("status"), delay=float(body.get("delay", 0)))
        if not fault.code and not fault.delay:
            raise ControlError(400, "a fault needs a code, a delay, or both")
        self.world.add_fault(fault)
        return _json({"ok": True})

    async def clear_faults(self, _request, _body):
        self.world.faults.clear()
        return _json({"ok": True})

    async def hold(self, _request, body):
        self.world.hold_starting = bool(body.get("hold", True))
        if not self.world.hold_starting:
            self.world.release_held()
        return _json({"hold_starting": self.world.hold_starting})

    async def egress(self, request, _body):
        description = self.world.describe(request.match_info["egress_id"])
        return _json({**description, "info": response_dict(description["info"])})

    async def activate(self, _request, body):
        return _json({"info": response_dict(self.world.activate(self._need(body, "egress_id")))})

    async def end(self, _request, body):
        status_name = body.get("status", "EGRESS_FAILED")
        try:
            status = eg.EgressStatus.Value(status_name)
        except ValueError:
            raise ControlError(400, f"unknown egress status {status_name!r}")
        if status not in (eg.EGRESS_COMPLETE, eg.EGRESS_FAILED, eg.EGRESS_ABORTED, eg.EGRESS_LIMIT_REACHED):
            raise ControlError(400, "status must be terminal: EGRESS_COMPLETE, EGRESS_FAILED, "
                                    "EGRESS_ABORTED or EGRESS_LIMIT_REACHED")
        info = await self.world.end(self._need(body, "egress_id"), status, body.get("error"),
                                    body.get("error_code"), bool(body.get("webhook", True)))
        return _json({"info": response_dict(info)})

    async def forget(self, _request, body):
        if not self.world.forget(self._need(body, "egress_id")):
            raise ControlError(404, "no such egress")
        return _json({"ok": True})

    async def webhooks(self, request, _body):
        if request.query.get("wait"):
            await self.world.webhooks.drain()
        return _json({"sent": self.world.webhooks.sent, "url": self.world.webhooks.url})

    async def webhook_faults(self, _request, body):
        sender = self.world.webhooks
        sender.drop_next = int(body.get("drop", sender.drop_next))
        sender.duplicate_next = int(body.get("duplicate", sender.duplicate_next))
        return _json({"drop": sender.drop_next, "duplicate": sender.duplicate_next})

    async def calls(self, _request, _body):
        return _json({"calls": self.world.calls})

    async def clear_calls(self, _request, _body):
        self.world.calls.clear()
        return _json({"ok": True})

    async def rejections(self, _request, _body):
        return _json({"rejections": self.world.rejections})

    async def clear_rejections(self, _request, _body):
        self.world.rejections.clear()
        return _json({"ok": True})

