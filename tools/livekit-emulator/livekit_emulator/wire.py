"""How LiveKit's Twirp server reads requests and writes answers, byte for byte where it matters.

Facts from livekit/protocol's generated `*.twirp.go` (twirp v8) and livekit/livekit:
- only `application/json` and `application/protobuf` are routed; anything else is `bad_route`
  with meta `twirp_invalid_route` ("POST /twirp/...").
- JSON answers use protojson with `UseProtoNames` and `EmitUnpopulated`: snake_case keys, every
  default present, int64 as strings, enums by name, unset singular message fields as `null`,
  unset oneof members absent.
- error bodies are always JSON `{"code","msg","meta"?}`; `meta` is omitted when empty.

Where the emulator is deliberately STRICTER than LiveKit: LiveKit parses JSON with
`DiscardUnknown: true`, so a misspelt field is silently lost. Here an unknown field (JSON or
protobuf) is a `malformed` error, remembered so a test can assert there were none.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format, unknown_fields
from google.protobuf.message import DecodeError, Message

# Twirp's code -> HTTP status table (twirp.ServerHTTPStatusFromErrorCode).
TWIRP_STATUS = {
    "canceled": 408,
    "unknown": 500,
    "invalid_argument": 400,
    "malformed": 400,
    "deadline_exceeded": 408,
    "not_found": 404,
    "bad_route": 404,
    "already_exists": 409,
    "permission_denied": 403,
    "unauthenticated": 401,
    "resource_exhausted": 429,
    "failed_precondition": 412,
    "aborted": 409,
    "out_of_range": 400,
    "unimplemented": 501,
    "internal": 500,
    "unavailable": 503,
    "data_loss": 500,
}

JSON = "application/json"
PROTOBUF = "application/protobuf"


class TwirpError(Exception):
    """An error LiveKit would answer as a Twirp JSON error body."""

    def __init__(self, code: str, msg: str, meta: dict[str, str] | None = None, status: int | None = None):
        super().__init__(f"{code}: {msg}")
        if code not in TWIRP_STATUS:
            raise ValueError(f"not a Twirp error code: {code}")
        self.code = code
        self.msg = msg
        self.meta = meta or {}
        self.status = status or TWIRP_STATUS[code]

    def body(self) -> bytes:
        doc: dict[str, Any] = {"code": self.code, "msg": self.msg}
        if self.meta:
            doc["meta"] = self.meta
        return json.dumps(doc, separators=(",", ":")).encode()


class Rejection(TwirpError):
    """A request the schema refuses (unknown field, wrong type): malformed, and recorded."""


def content_kind(header: str | None) -> str | None:
    """The Twirp content kind of a Content-Type header, as twirp's generated router reads it."""
    base = (header or "").split(";", 1)[0].strip().lower()
    return base if base in (JSON, PROTOBUF) else None


def parse_request(body: bytes, kind: str, message_type: type[Message]) -> Message:
    message = message_type()
    if kind == JSON:
        try:
            document = json.loads(body.decode("utf-8") if body else "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Rejection("malformed", "the json request could not be decoded", {"cause": str(error)})
        if not isinstance(document, dict):
            raise Rejection("malformed", "the json request could not be decoded",
                            {"cause": "request body is not a JSON object"})
        try:
            json_format.ParseDict(document, message, ignore_unknown_fields=False)
        except json_format.ParseError as error:
            raise Rejection("malformed", "the json request could not be decoded", {"cause": str(error)})
        return message
    try:
        message.ParseFromString(body)
    except DecodeError as error:
        raise Rejection("malformed", "the protobuf request could not be decoded", {"cause": str(error)})
    unknown = _unknown_field_paths(message, message_type.DESCRIPTOR.full_name)
    if unknown:
        raise Rejection("malformed", "the protobuf request could not be decoded",
                        {"cause": "unknown field numbers: " + ", ".join(unknown)})
    return message


def _unknown_field_paths(message: Message, path: str) -> list[str]:
    found = [f"{path}#{field.field_number}" for field in unknown_fields.UnknownFieldSet(message)]
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None or descriptor.message_type.GetOptions().map_entry:
            continue
        children = value if descriptor.is_repeated else [value]
        for index, child in enumerate(children):
            found += _unknown_field_paths(child, f"{path}.{descriptor.name}[{index}]")
    return found


def response_dict(message: Message) -> dict[str, Any]:
    """The document Go's protojson writes with UseProtoNames + EmitUnpopulated."""
    document = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    _add_go_nulls(message, document)
    return document


def _add_go_nulls(message: Message, document: dict[str, Any]) -> None:
    # Go emits an unset singular message field as null; Python leaves it out. Oneof members
    # (and proto3 `optional`, a synthetic oneof) stay absent in both.
    for descriptor in message.DESCRIPTOR.fields:
        if descriptor.message_type is None or descriptor.message_type.GetOptions().map_entry:
            continue
        if descriptor.is_repeated:
            for child, child_doc in zip(getattr(message, descriptor.name), document.get(descriptor.name, [])):
                if isinstance(child_doc, dict):
                    _add_go_nulls(child, child_doc)
            continue
        if message.HasField(descriptor.name):
            child_doc = document.get(descriptor.name)
            if isinstance(child_doc, dict) and not descriptor.message_type.full_name.startswith("google.protobuf."):
                _add_go_nulls(getattr(message, descriptor.name), child_doc)
        elif descriptor.containing_oneof is None:
            document[descriptor.name] = None


def encode_response(message: Message, kind: str) -> bytes:
    if kind == PROTOBUF:
        return message.SerializeToString()
    return json.dumps(response_dict(message), separators=(",", ":")).encode()


def webhook_body(message: Message) -> bytes:
    """protojson.Marshal defaults, as LiveKit's webhook notifier sends: lowerCamelCase, defaults omitted."""
    return json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()
