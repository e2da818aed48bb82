"""Rooms, participants and the egress life cycle, as LiveKit + Egress run them.

Life cycle (livekit/egress pipeline/controller.go, protocol livekit_egress.go):
STARTING -> ACTIVE (started_at set) -> on StopEgress ENDING -> COMPLETE (file uploaded) or
FAILED (upload error). Stop while STARTING ends it ABORTED "Stop called before pipeline could
start" (412). No participant to record when it would go active: ABORTED "Start signal not
received" (412). Times are Unix nanoseconds; updated_at changes with every change.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from livekit.protocol import egress as eg
from livekit.protocol import models as md
from livekit.protocol import room as rm

from .media import MediaMaker, S3Checks, UploadError, upload
from .webhooks import WebhookSender, guid
from .wire import TwirpError

log = logging.getLogger("livekit_emulator")

MSG_START_NOT_RECEIVED = "Start signal not received"
MSG_STOPPED_BEFORE_STARTED = "Stop called before pipeline could start"
MSG_LIMIT_REACHED = "Session limit reached"
END_REASON_API = "End reason: StopEgress API"
TERMINAL = {eg.EGRESS_COMPLETE, eg.EGRESS_FAILED, eg.EGRESS_ABORTED, eg.EGRESS_LIMIT_REACHED}
LIVE = {eg.EGRESS_STARTING, eg.EGRESS_ACTIVE}
DEFAULT_CODECS = ["audio/PCMU", "audio/PCMA", "audio/opus", "audio/red", "video/VP8", "video/H264",
                  "video/VP9", "video/AV1", "video/H265", "video/rtx"]


def now_ns() -> int:
    return time.time_ns()


@dataclass
class Timings:
    start_delay: float = 0.5      # STARTING -> ACTIVE
    end_delay: float = 0.5        # ENDING -> COMPLETE (before the upload)
    page_size: int = 10           # ListEgress items per page
    forget_after: float = 86400   # ended egresses are forgotten (LiveKit: about a day)


@dataclass
class Room:
    info: md.Room
    participants: dict[str, md.ParticipantInfo] = field(default_factory=dict)


@dataclass
class Egress:
    info: eg.EgressInfo
    seq: int
    active_since: float | None = None      # monotonic, for the clip length
    held: bool = False
    layouts: list[str] = field(default_factory=list)
    task: asyncio.Task | None = None


@dataclass
class Fault:
    count: int
    method: str | None
    code: str | None
    msg: str | None
    status: int | None
    delay: float


class World:
    def __init__(self, timings: Timings, webhooks: WebhookSender, media: MediaMaker, s3_checks: S3Checks,
                 initial_rooms: dict[str, list[str]], abort_without_participants: bool = True):
        self.timings = timings
        self.webhooks = webhooks
        self.media = media
        self.s3_checks = s3_checks
        self.initial_rooms = initial_rooms
        self.abort_without_participants = abort_without_participants
        self.reset()

    # ---------------------------------------------------------------- state for tests
    def reset(self) -> None:
        for record in getattr(self, "egresses", {}).values():
            if record.task:
                record.task.cancel()
        self.rooms: dict[str, Room] = {}
        self.egresses: dict[str, Egress] = {}
        self.forgotten: set[str] = set()
        self.seq = 0
        self.calls: list[dict[str, Any]] = []
        self.rejections: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.hold_starting = False
        self.webhooks.drop_next = 0
        self.webhooks.duplicate_next = 0
        self.webhooks.sent.clear()
        for name, identities in self.initial_rooms.items():
            self.create_room(name)
            for identity in identities:
                self.add_participant(name, identity)

    def create_room(self, name: str, metadata: str = "") -> Room:
        if name in self.rooms:
            return self.rooms[name]
        created = now_ns()
        info = md.Room(sid=guid("RM_"), name=name, empty_timeout=300, departure_timeout=20,
                       creation_time=created // 10**9, creation_time_ms=created // 10**6, metadata=metadata)
        info.enabled_codecs.extend(md.Codec(mime=mime) for mime in DEFAULT_CODECS)
        info.version.unix_micro = created // 1000
        self.rooms[name] = Room(info)
        return self.rooms[name]

    def remove_room(self, name: str) -> bool:
        return self.rooms.pop(name, None) is not None

    def add_participant(self, room_name: str, identity: str, name: str = "") -> md.ParticipantInfo:
        room = self.rooms.get(room_name) or self.create_room(room_name)
        joined = now_ns()
        participant = md.ParticipantInfo(
            sid=guid("PA_"), identity=identity, name=name or identity, state=md.ParticipantInfo.ACTIVE,
            joined_at=joined // 10**9, joined_at_ms=joined // 10**6, version=1, is_publisher=True,
            kind=md.ParticipantInfo.STANDARD)
        participant.permission.can_subscribe = True
        participant.permission.can_publish = True
        participant.permission.can_publish_data = True
        participant.tracks.append(md.TrackInfo(sid=guid("TR_"), type=md.AUDIO, name="microphone",
                                               source=md.TrackSource.MICROPHONE, mime_type="audio/opus"))
        room.participants[identity] = participant
        return participant

    def remove_participant(self, room_name: str, identity: str) -> bool:
        room = self.rooms.get(room_name)
        return bool(room and room.participants.pop(identity, None))

    def add_fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in (None, method) and fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ---------------------------------------------------------------- RoomService
    def list_rooms(self, request: rm.ListRoomsRequest) -> rm.ListRoomsResponse:
        wanted = set(request.names)
        response = rm.ListRoomsResponse()
        for name, room in self.rooms.items():
            if wanted and name not in wanted:
                continue
            info = md.Room()
            info.CopyFrom(room.info)
            info.num_participants = len(room.participants)
            info.num_publishers = sum(1 for p in room.participants.values() if p.is_publisher)
            info.active_recording = any(record.info.status == eg.EGRESS_ACTIVE and record.info.room_name == name
                                        for record in self.egresses.values())
            response.rooms.append(info)
        return response

    def list_participants(self, request: rm.ListParticipantsRequest) -> rm.ListParticipantsResponse:
        # LiveKit's store answers an unknown room with an empty list, not an error.
        response = rm.ListParticipantsResponse()
        room = self.rooms.get(request.room)
        if room is None:
            return response
        response.participants.extend(room.participants.values())
        for record in self.egresses.values():
            if record.info.room_name == request.room and record.info.status == eg.EGRESS_ACTIVE:
                response.participants.append(self._recorder(record))
        return response

    @staticmethod
    def _recorder(record: Egress) -> md.ParticipantInfo:
        # Egress joins the room as a hidden participant whose identity is the egress id.
        started = record.info.started_at
        recorder = md.ParticipantInfo(sid="PA_" + record.info.egress_id[3:], identity=record.info.egress_id,
                                      state=md.ParticipantInfo.ACTIVE, joined_at=started // 10**9,
                                      joined_at_ms=started // 10**6, version=1, kind=md.ParticipantInfo.EGRESS)
        recorder.permission.can_subscribe = True
        recorder.permission.hidden = True
        recorder.permission.recorder = True
        return recorder

    # ---------------------------------------------------------------- Egress
    def start_room_composite(self, request: eg.RoomCompositeEgressRequest) -> eg.EgressInfo:
        room = self.rooms.get(request.room_name)
        if room is None:
            raise TwirpError("not_found", "requested room does not exist")
        file_output = self._file_output(request)
        if request.audio_only and request.video_only:
            raise TwirpError("invalid_argument", "request has missing or invalid field: audio_only and video_only")
        info = eg.EgressInfo(egress_id=guid("EG_"), room_id=room.info.sid, room_name=request.room_name,
                             source_type=eg.EGRESS_SOURCE_TYPE_WEB, status=eg.EGRESS_STARTING,
                             updated_at=now_ns())
        info.room_composite.CopyFrom(request)
        if file_output is not None:
            result = eg.FileInfo(filename=self._storage_path(file_output.filepath, info))
            info.file_results.append(result)
            info.file.CopyFrom(result)
        self.seq += 1
        record = Egress(info=info, seq=self.seq, held=self.hold_starting)
        self.egresses[info.egress_id] = record
        self.webhooks.egress_event("egress_started", info)
        if not record.held:
            record.task = asyncio.create_task(self._activate_later(record))
        return self._copy(info)

    @staticmethod
    def _file_output(request: eg.RoomCompositeEgressRequest) -> eg.EncodedFileOutput | None:
        outputs = list(request.file_outputs)
        if request.HasField("file"):
            outputs.append(request.file)
        others = (len(request.stream_outputs) + len(request.segment_outputs) + len(request.image_outputs)
                  + request.HasField("stream") + request.HasField("segments"))
        if len(outputs) > 1:
            raise TwirpError("invalid_argument", "request has missing or invalid field: multiple file outputs")
        if not outputs and not others:
            raise TwirpError("invalid_argument", "request has missing or invalid field: output")
        if outputs and outputs[0].file_type not in (eg.DEFAULT_FILETYPE, eg.MP4):
            raise TwirpError("invalid_argument", "request has missing or invalid field: file_type")
        return outputs[0] if outputs else None

    @staticmethod
    def _storage_path(template: str, info: eg.EgressInfo) -> str:
        # Egress replaces these verbatim (no sanitising), then fixes the extension.
        moment = datetime.now()
        utc = moment.astimezone(timezone.utc)
        replacements = {"{room_name}": info.room_name, "{room_id}": info.room_id,
                        "{time}": moment.strftime("%Y-%m-%dT%H%M%S"),
                        "{utc}": utc.strftime("%Y%m%d%H%M%S") + f"{utc.microsecond // 1000:03d}"}
        path = template
        for placeholder, value in replacements.items():
            path = path.replace(placeholder, value)
        if path == "" or path.endswith("/"):
            return f"{path}{info.room_name}-{moment.strftime('%Y-%m-%dT%H%M%S')}.mp4"
        if not path.endswith(".mp4"):
            stem, dot, extension = path.rpartition(".")
            if dot and "." + extension in (".mp4", ".ogg", ".m3u8", ".ts", ".jpeg", ".json", ".webm"):
                path = stem
            path += ".mp4"
        return path

    def stop(self, egress_id: str) -> eg.EgressInfo:
        record = self._load(egress_id)
        info = record.info
        if info.status not in LIVE:
            raise TwirpError("failed_precondition",
                             f"egress with status {eg.EgressStatus.Name(info.status)} cannot be stopped")
        if record.task:
            record.task.cancel()
        info.details = END_REASON_API
        if info.status == eg.EGRESS_STARTING:
            self._abort(record, MSG_STOPPED_BEFORE_STARTED)
            self.webhooks.egress_event("egress_ended", info)
            return self._copy(info)
        self._set_status(info, eg.EGRESS_ENDING)
        self.webhooks.egress_event("egress_updated", info)
        record.task = asyncio.create_task(self._finish_later(record))
        return self._copy(info)

    def update_layout(self, request: eg.UpdateLayoutRequest) -> eg.EgressInfo:
        # LiveKit loads the egress, then updates the metadata of the egress' participant in its
        # room (RoomService.UpdateParticipant); it does not check the status itself. Once the
        # recorder has left (or before it joined) that participant is gone: not_found.
        record = self._load(request.egress_id)
        if record.info.room_name not in self.rooms or record.info.status != eg.EGRESS_ACTIVE:
            raise TwirpError("not_found", "participant does not exist")
        record.layouts.append(request.layout)
        return self._copy(record.info)

    def list_egress(self, request: eg.ListEgressRequest) -> eg.ListEgressResponse:
        response = eg.ListEgressResponse()
        if request.egress_id:
            response.items.append(self._copy(self._load(request.egress_id).info))
            return response
        matching = [record for record in sorted(self.egresses.values(), key=lambda r: r.seq)
                    if (not request.room_name or record.info.room_name == request.room_name)
                    and (not request.active or record.info.status < eg.EGRESS_COMPLETE)]
        after = self._page_after(request)
        page = [record for record in matching if record.seq > after][: self.timings.page_size]
        response.items.extend(self._copy(record.info) for record in page)
        if page and page[-1].seq != matching[-1].seq:
            response.next_page_token.token = base64.urlsafe_b64encode(f"after:{page[-1].seq}".encode()).decode()
        return response

    @staticmethod
    def _page_after(request: eg.ListEgressRequest) -> int:
        if not request.HasField("page_token") or not request.page_token.token:
            return 0
        try:
            text = base64.urlsafe_b64decode(request.page_token.token.encode()).decode()
            prefix, _, number = text.partition(":")
            if prefix != "after":
                raise ValueError(text)
            return int(number)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise TwirpError("invalid_argument", "invalid page token")

    # ---------------------------------------------------------------- control
    def activate(self, egress_id: str) -> eg.EgressInfo:
        record = self._load(egress_id)
        if record.info.status != eg.EGRESS_STARTING:
            raise TwirpError("failed_precondition", "egress is not starting")
        record.held = False
        if record.task:
            record.task.cancel()
        self._go_active(record)
        return self._copy(record.info)

    def release_held(self) -> None:
        for record in self.egresses.values():
            if record.held and record.info.status == eg.EGRESS_STARTING:
                record.held = False
                record.task = asyncio.create_task(self._activate_later(record))

    async def end(self, egress_id: str, status: int, error: str | None, error_code: int | None,
                  webhook: bool) -> eg.EgressInfo:
        """Ends an egress out of band, as a crashed worker, a limit or a failure would."""
        record = self._load(egress_id)
        if record.info.status in TERMINAL:
            raise TwirpError("failed_precondition", "egress has already ended")
        if record.task:
            record.task.cancel()
        info = record.info
        if status in (eg.EGRESS_COMPLETE, eg.EGRESS_LIMIT_REACHED) and info.status != eg.EGRESS_STARTING:
            await self._upload(record, announce=False)
        if info.status == eg.EGRESS_FAILED:
            pass  # the upload failed: that is the ending
        elif status == eg.EGRESS_ABORTED:
            self._abort(record, error or MSG_START_NOT_RECEIVED, error_code)
        elif status == eg.EGRESS_LIMIT_REACHED:
            self._set_ended(info, eg.EGRESS_LIMIT_REACHED, error or MSG_LIMIT_REACHED,
                            413 if error_code is None else error_code)
        elif status == eg.EGRESS_FAILED:
            self._set_ended(info, eg.EGRESS_FAILED, error or "egress failed",
                            500 if error_code is None else error_code)
            if not info.details:
                info.details = "End reason: Failure"
        else:
            self._set_ended(info, status, error or "", error_code or 0)
        if webhook:
            self.webhooks.egress_event("egress_ended", info)
        return self._copy(info)

    def forget(self, egress_id: str) -> bool:
        record = self.egresses.pop(egress_id, None)
        if record is None:
            return False
        if record.task:
            record.task.cancel()
        self.forgotten.add(egress_id)
        return True

    def forget_expired(self) -> None:
        limit = now_ns() - int(self.timings.forget_after * 1e9)
        for egress_id in [key for key, record in self.egresses.items()
                          if record.info.status in TERMINAL and record.info.ended_at < limit]:
            self.forget(egress_id)

    def describe(self, egress_id: str) -> dict[str, Any]:
        record = self._load(egress_id)
        return {"info": self._copy(record.info), "held": record.held, "layouts": record.layouts,
                "seq": record.seq}

    # ---------------------------------------------------------------- internals
    def _load(self, egress_id: str) -> Egress:
        record = self.egresses.get(egress_id)
        if record is None:
            raise TwirpError("not_found", "egress does not exist")
        return record

    @staticmethod
    def _copy(info: eg.EgressInfo) -> eg.EgressInfo:
        copy = eg.EgressInfo()
        copy.CopyFrom(info)
        return copy

    @staticmethod
    def _set_status(info: eg.EgressInfo, status: int) -> None:
        info.status = status
        info.updated_at = now_ns()

    @staticmethod
    def _set_ended(info: eg.EgressInfo, status: int, error: str, error_code: int) -> None:
        moment = now_ns()
        info.status = status
        info.error = error
        info.error_code = error_code
        info.updated_at = moment
        info.ended_at = moment

    def _abort(self, record: Egress, message: str, error_code: int | None = None) -> None:
        self._set_ended(record.info, eg.EGRESS_ABORTED, message, 412 if error_code is None else error_code)

    async def _activate_later(self, record: Egress) -> None:
        await asyncio.sleep(self.timings.start_delay)
        room = self.rooms.get(record.info.room_name)
        if self.abort_without_participants and (room is None or not room.participants):
            self._abort(record, MSG_START_NOT_RECEIVED)
            self.webhooks.egress_event("egress_ended", record.info)
            return
        self._go_active(record)

    def _go_active(self, record: Egress) -> None:
        info = record.info
        moment = now_ns()
        info.status = eg.EGRESS_ACTIVE
        info.started_at = moment
        info.updated_at = moment
        for result in list(info.file_results) + ([info.file] if info.HasField("file") else []):
            result.started_at = moment
        record.active_since = time.monotonic()
        self.webhooks.egress_event("egress_updated", info)

    async def _finish_later(self, record: Egress) -> None:
        await asyncio.sleep(self.timings.end_delay)
        await self._upload(record, announce=True)

    async def _upload(self, record: Egress, announce: bool) -> None:
        """Makes and uploads the file; COMPLETE (or FAILED with the error) when announce."""
        info = record.info
        moment = now_ns()
        elapsed = time.monotonic() - (record.active_since or time.monotonic())
        file_output = self._file_output(info.room_composite) if info.file_results else None
        try:
            if file_output is not None:
                key = info.file_results[0].filename
                clip = await self.media.clip(self.media.clip_seconds(elapsed),
                                             audio=not info.room_composite.video_only,
                                             video=not info.room_composite.audio_only)
                if file_output.HasField("s3"):
                    uploaded = await asyncio.to_thread(upload, clip, key, file_output.s3, self.s3_checks)
                    location, size = uploaded.location, uploaded.size
                else:
                    location, size = key, clip.stat().st_size  # Egress' local disk
                for result in list(info.file_results) + ([info.file] if info.HasField("file") else []):
                    result.ended_at = moment
                    result.duration = moment - info.started_at
                    result.size = size
                    result.location = location
        except (UploadError, RuntimeError, OSError) as error:
            log.warning("egress %s upload failed: %s", info.egress_id, error)
            self._set_ended(info, eg.EGRESS_FAILED, f"S3 upload failed: {error}", 400)
            if not info.details:
                info.details = "End reason: Failure"
            if announce:
                self.webhooks.egress_event("egress_ended", info)
            return
        if announce:
            self._set_ended(info, eg.EGRESS_COMPLETE, "", 0)
            self.webhooks.egress_event("egress_ended", info)


def media_maker(cache_dir: str | None, max_seconds: int) -> MediaMaker:
    directory = Path(cache_dir) if cache_dir else Path("/tmp") / f"livekit-emulator-media-{os.getuid()}"
    return MediaMaker(directory, max_seconds=max_seconds)
