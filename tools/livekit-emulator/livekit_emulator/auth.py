"""LiveKit's API-key middleware and grant checks (livekit/livekit pkg/service/auth.go).

- A token that cannot be parsed, names an unknown key, or fails verification (signature,
  exp, nbf; 1 minute of leeway) is answered BEFORE Twirp: a plain-text 401 whose body is the
  Go error text. LiveKit echoes the rejected token in that text; so do we, so a client that
  logs error bodies leaks tokens here as it would there.
- No Authorization header at all is not rejected there: the call reaches the service without
  grants and fails the grant check.
- A missing grant is `twirpAuthError(ErrPermissionDenied)`: Twirp `unauthenticated` (401, JSON)
  with msg "permissions denied". (Not `permission_denied` 403.)
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from livekit.api import TokenVerifier
from livekit.api.access_token import Claims

from .wire import TwirpError

BEARER = "Bearer "


class PlainUnauthorized(Exception):
    """Answered as `401` with a text/plain body, as LiveKit's handleError does."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass
class Caller:
    claims: Claims | None

    def video(self):
        return self.claims.video if self.claims else None

    def granted(self) -> list[str]:
        video = self.video()
        if video is None:
            return []
        names = {"room_create": "roomCreate", "room_list": "roomList", "room_record": "roomRecord",
                 "room_admin": "roomAdmin", "room_join": "roomJoin"}
        return [camel for snake, camel in names.items() if getattr(video, snake)]


class Authenticator:
    def __init__(self, api_key: str, api_secret: str):
        self.api_key = api_key
        self.verifier = TokenVerifier(api_key, api_secret)

    def caller(self, authorization: str | None, query_token: str | None) -> Caller:
        if authorization:
            if not authorization.startswith(BEARER):
                raise PlainUnauthorized("invalid authorization header. Must start with Bearer ")
            token = authorization[len(BEARER):]
        else:
            token = query_token or ""
        if not token:
            return Caller(None)
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise PlainUnauthorized("invalid authorization token")
        issuer = unverified.get("iss", "")
        if issuer != self.api_key:
            raise PlainUnauthorized(f"invalid API key: {issuer}")
        try:
            return Caller(self.verifier.verify(token))
        except jwt.PyJWTError as error:
            raise PlainUnauthorized(f"invalid token: {token}, error: {error}")


PERMISSION_DENIED = "permissions denied"


def require_record(caller: Caller) -> None:
    video = caller.video()
    if not (video and video.room_record):
        raise TwirpError("unauthenticated", PERMISSION_DENIED)


def require_list(caller: Caller) -> None:
    video = caller.video()
    if not (video and video.room_list):
        raise TwirpError("unauthenticated", PERMISSION_DENIED)


def require_admin(caller: Caller, room: str) -> None:
    video = caller.video()
    if not (video and video.room_admin and video.room == room):
        raise TwirpError("unauthenticated", PERMISSION_DENIED)
