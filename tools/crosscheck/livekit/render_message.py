"""Writes a LiveKit message as LiveKit writes it, from livekit-protocol's own serializer.

    render_message.py server|webhook < {"type": "livekit.EgressInfo", "message": {...}}

`server`: Twirp answer style: proto field names, every default present, int64 as strings.
`webhook`: webhook style: lowerCamelCase, defaults omitted.
Prints the JSON text LiveKit would send.
"""

import json
import sys

from google.protobuf import json_format
from livekit.protocol import egress, models, room, webhook

MESSAGES = {
    "livekit.EgressInfo": egress.EgressInfo,
    "livekit.ListEgressResponse": egress.ListEgressResponse,
    "livekit.ListRoomsResponse": room.ListRoomsResponse,
    "livekit.ListParticipantsResponse": room.ListParticipantsResponse,
    "livekit.Room": models.Room,
    "livekit.WebhookEvent": webhook.WebhookEvent,
}


def main():
    style = sys.argv[1]
    request = json.load(sys.stdin)
    message = json_format.ParseDict(request["message"], MESSAGES[request["type"]](), ignore_unknown_fields=False)
    if style == "server":
        text = json_format.MessageToJson(
            message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True, indent=None
        )
    else:
        text = json_format.MessageToJson(message, indent=None)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
