"""Requests, authentication and errors as LiveKit's Twirp server answers them."""

from __future__ import annotations

import datetime
import json

import jwt
import requests
from livekit.api import AccessToken, VideoGrants
from livekit.protocol import egress as eg
from livekit.protocol import room as rm

from support import (API_KEY, API_SECRET, DEMO_ROOM, EGRESS, ROOMS, call, egress_call, file_request,
                     record_token, token, wait_status)


def rejections(base):
    return requests.get(base + "/_emulator/rejections", timeout=5).json()["rejections"]


def test_misspelt_field_is_rejected_and_remembered(emulator, s3_endpoint):
    body = file_request(s3_endpoint)
    body["file_outputs"][0]["s3"]["forcePathstyle"] = True  # LiveKit would silently drop it

    answer = egress_call(emulator, "StartRoomCompositeEgress", body)

    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"
    recorded = rejections(emulator)
    assert [r["method"] for r in recorded] == ["StartRoomCompositeEgress"]
    assert "forcePathstyle" in recorded[0]["cause"]


def test_well_spelt_request_in_either_case_is_accepted_and_not_recorded(emulator, s3_endpoint):
    snake = file_request(s3_endpoint)
    camel = {"roomName": DEMO_ROOM, "fileOutputs": [{"fileType": "MP4", "filepath": "a/b.mp4", "s3": {
        "accessKey": "k", "secret": "s", "region": "us-east-1", "endpoint": s3_endpoint,
        "bucket": "livekit-recordings", "forcePathStyle": True}}]}

    assert egress_call(emulator, "StartRoomCompositeEgress", snake).status_code == 200
    assert egress_call(emulator, "StartRoomCompositeEgress", camel).status_code == 200
    assert rejections(emulator) == []


def test_wrong_type_is_rejected(emulator):
    answer = egress_call(emulator, "ListEgress", {"active": "yes please"})
    assert (answer.status_code, answer.json()["code"]) == (400, "malformed")
    assert len(rejections(emulator)) == 1


def test_token_signed_with_another_secret_gets_plain_text_401(emulator):
    forged = token(secret="not-the-secret-at-all-not-the-secret", room_record=True)

    answer = call(emulator, EGRESS + "ListEgress", {}, forged)

    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text.startswith("invalid token: ")
    try:
        json.loads(answer.text)
        parsed = True
    except ValueError:
        parsed = False
    assert not parsed


def test_expired_token_and_other_key_and_missing_bearer_get_plain_text_401(emulator):
    expired = jwt.encode({"iss": API_KEY, "sub": "x", "nbf": 0, "exp": int(
        (datetime.datetime.now() - datetime.timedelta(minutes=5)).timestamp()),
        "video": {"roomRecord": True}}, API_SECRET, algorithm="HS256")
    other_key = AccessToken("other-key", API_SECRET).with_grants(VideoGrants(room_record=True)).to_jwt()

    answers = [call(emulator, EGRESS + "ListEgress", {}, expired),
               call(emulator, EGRESS + "ListEgress", {}, other_key),
               requests.post(emulator + EGRESS + "ListEgress", data="{}", timeout=5, headers={
                   "Content-Type": "application/json", "Authorization": record_token()})]

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert all(a.headers["Content-Type"].startswith("text/plain") for a in answers)
    assert answers[1].text == "invalid API key: other-key"
    assert answers[2].text == "invalid authorization header. Must start with Bearer "


def test_missing_grant_is_refused_as_livekit_does(emulator, s3_endpoint):
    list_only = token(room_list=True)

    egress = call(emulator, EGRESS + "StartRoomCompositeEgress", file_request(s3_endpoint), list_only)
    rooms = call(emulator, ROOMS + "ListRooms", {}, token(room_record=True))
    anonymous = call(emulator, EGRESS + "ListEgress", {})

    for answer in (egress, rooms, anonymous):
        assert answer.status_code == 401
        assert answer.json() == {"code": "unauthenticated", "msg": "permissions denied"}
    assert call(emulator, ROOMS + "ListRooms", {}, list_only).status_code == 200


def test_list_participants_needs_room_admin_for_that_room(emulator):
    other_room = token(room_admin=True, room="!other:example.org")
    right = token(room_admin=True, room=DEMO_ROOM)

    refused = call(emulator, ROOMS + "ListParticipants", {"room": DEMO_ROOM}, other_room)
    answered = call(emulator, ROOMS + "ListParticipants", {"room": DEMO_ROOM}, right)

    assert refused.status_code == 401
    assert answered.status_code == 200
    assert sorted(p["identity"] for p in answered.json()["participants"]) == ["alice", "bob"]


def test_call_log_names_method_grant_and_outcome(emulator):
    call(emulator, ROOMS + "ListRooms", {}, token(room_list=True))
    call(emulator, EGRESS + "StopEgress", {"egress_id": "EG_nothere"}, record_token())

    calls = requests.get(emulator + "/_emulator/calls", timeout=5).json()["calls"]

    assert [(c["method"], c["grant"], c["ok"]) for c in calls] == [
        ("ListRooms", "roomList", True), ("StopEgress", "roomRecord", False)]
    assert calls[1]["code"] == "not_found"


def test_other_content_type_is_bad_route(emulator):
    answer = call(emulator, EGRESS + "ListEgress", "{}", record_token(), content_type="text/plain")

    assert answer.status_code == 404
    assert answer.json()["code"] == "bad_route"
    assert answer.json()["meta"] == {"twirp_invalid_route": "POST /twirp/livekit.Egress/ListEgress"}


def test_unknown_room_is_not_found(emulator, s3_endpoint):
    answer = egress_call(emulator, "StartRoomCompositeEgress", file_request(s3_endpoint, room="!nope:example.org"))
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "msg": "requested room does not exist"}


def test_stop_unknown_egress_is_not_found(emulator):
    answer = egress_call(emulator, "StopEgress", {"egress_id": "EG_doesnotexist"})
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "msg": "egress does not exist"}


def test_stop_ended_egress_is_failed_precondition(emulator, s3_endpoint):
    started = egress_call(emulator, "StartRoomCompositeEgress", file_request(s3_endpoint)).json()
    wait_status(emulator, started["egress_id"], "EGRESS_ACTIVE")
    egress_call(emulator, "StopEgress", {"egress_id": started["egress_id"]}).raise_for_status()
    wait_status(emulator, started["egress_id"], "EGRESS_COMPLETE")

    again = egress_call(emulator, "StopEgress", {"egress_id": started["egress_id"]})
    layout = egress_call(emulator, "UpdateLayout", {"egress_id": started["egress_id"], "layout": "speaker"})

    assert again.status_code == 412
    assert again.json() == {"code": "failed_precondition",
                            "msg": "egress with status EGRESS_COMPLETE cannot be stopped"}
    # LiveKit updates the recorder participant's metadata; it has left the room by now.
    assert (layout.status_code, layout.json()["code"]) == (404, "not_found")


def test_json_answer_is_snake_case_with_defaults_int64_strings_and_go_nulls(emulator, s3_endpoint):
    info = egress_call(emulator, "StartRoomCompositeEgress", file_request(s3_endpoint)).json()
    listed = egress_call(emulator, "ListEgress", {}).json()

    assert info["status"] == "EGRESS_STARTING"
    assert info["started_at"] == "0" and info["ended_at"] == "0"
    assert int(info["updated_at"]) > 1_600_000_000 * 10**9  # nanoseconds
    assert info["error"] == "" and info["error_code"] == 0 and info["stream_results"] == []
    assert info["room_composite"]["file_outputs"][0]["s3"]["secret"] == "test-secret-key"  # echoed, as LiveKit does
    assert info["room_composite"]["audio_only"] is False
    assert listed["next_page_token"] is None  # Go's protojson writes unset messages as null


def test_protobuf_request_gets_protobuf_answer(emulator, s3_endpoint):
    request = eg.ListEgressRequest(room_name=DEMO_ROOM)
    answer = call(emulator, EGRESS + "ListEgress", request.SerializeToString(), record_token(),
                  content_type="application/protobuf")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/protobuf")
    parsed = eg.ListEgressResponse()
    parsed.ParseFromString(answer.content)
    assert list(parsed.items) == []


def test_protobuf_with_unknown_field_is_rejected(emulator):
    body = rm.ListRoomsRequest(names=["x"]).SerializeToString() + b"\xa8\x06\x01"  # field 101, varint
    answer = call(emulator, ROOMS + "ListRooms", body, token(room_list=True), content_type="application/protobuf")
    assert (answer.status_code, answer.json()["code"]) == (400, "malformed")
    assert rejections(emulator)[0]["content_type"] == "application/protobuf"
