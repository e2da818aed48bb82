"""Parses a request body with livekit-protocol's schema, unknown fields REJECTED.

    parse_request.py < {"type": "livekit.RoomCompositeEgressRequest", "json": "<body>"}

Prints {"parsed": <the message as protojson with proto field names>} or
{"error"} with exit status 1. LiveKit's server silently drops unknown fields,
so this is where a misspelt field shows.
"""

import json
import sys

from google.protobuf import json_format
from livekit.protocol import egress, room

MESSAGES = {
    "livekit.RoomCompositeEgressRequest": egress.RoomCompositeEgressRequest,
    "livekit.StopEgressRequest": egress.StopEgressRequest,
    "livekit.ListEgressRequest": egress.ListEgressRequest,
    "livekit.UpdateLayoutRequest": egress.UpdateLayoutRequest,
    "livekit.ListRoomsRequest": room.ListRoomsRequest,
    "livekit.ListParticipantsRequest": room.ListParticipantsRequest,
}


def main():
    request = json.load(sys.stdin)
    message = MESSAGES[request["type"]]()
    try:
        json_format.Parse(request["json"], message, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        print(json.dumps({"error": str(error)}))
        sys.exit(1)
    print(json.dumps({"parsed": json_format.MessageToDict(message, preserving_proto_field_name=True)}))


if __name__ == "__main__":
    main()
