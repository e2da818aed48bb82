"""Cross-check of LiveKit access tokens with LiveKit's own Python SDK (livekit-api).

    tokens.py mint    < {"api_key", "api_secret", "identity"?, "name"?, "metadata"?,
                         "sha256"?, "video"?: {lowerCamel grants}, "ttl_seconds"?, "now"?}
    tokens.py verify  < {"api_key", "api_secret", "token"}

`mint` prints {"token"}; with "now" (Unix seconds) the SDK's clock is pinned so the
token can be compared byte for byte. `verify` prints the claims livekit-api read,
or {"error"} and exits 1 when it refuses the token.
"""

import datetime
import json
import sys
import types

from livekit.api import access_token
from livekit.api.access_token import AccessToken, TokenVerifier, VideoGrants, camel_to_snake


def pin_clock(now_seconds):
    """livekit-api reads datetime.datetime.now(); give its module a datetime that answers `now_seconds`."""
    pinned = datetime.datetime.fromtimestamp(now_seconds, tz=datetime.timezone.utc)

    class PinnedDateTime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return pinned

    access_token.datetime = types.SimpleNamespace(
        datetime=PinnedDateTime, timezone=datetime.timezone, timedelta=datetime.timedelta
    )


def mint(request):
    if "now" in request:
        pin_clock(request["now"])
    token = AccessToken(request["api_key"], request["api_secret"])
    token.with_identity(request.get("identity", ""))
    if "name" in request:
        token.with_name(request["name"])
    if "metadata" in request:
        token.with_metadata(request["metadata"])
    if "sha256" in request:
        token.with_sha256(request["sha256"])
    if "video" in request:
        token.with_grants(VideoGrants(**{camel_to_snake(k): v for k, v in request["video"].items()}))
    if "ttl_seconds" in request:
        token.with_ttl(datetime.timedelta(seconds=request["ttl_seconds"]))
    return {"token": token.to_jwt()}


def verify(request):
    verifier = TokenVerifier(request["api_key"], request["api_secret"])
    claims = verifier.verify(request["token"])
    video = claims.video
    return {
        "identity": claims.identity,
        "name": claims.name,
        "metadata": claims.metadata,
        "sha256": claims.sha256,
        "video": {
            "roomCreate": video.room_create,
            "roomList": video.room_list,
            "roomRecord": video.room_record,
            "roomAdmin": video.room_admin,
            "roomJoin": video.room_join,
            "room": video.room,
            "canPublish": video.can_publish,
            "canSubscribe": video.can_subscribe,
            "canPublishData": video.can_publish_data,
            "hidden": video.hidden,
            "recorder": video.recorder,
        },
    }


def main():
    command = sys.argv[1]
    request = json.load(sys.stdin)
    try:
        result = {"mint": mint, "verify": verify}[command](request)
    except Exception as error:  # the refusal itself is the answer
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
