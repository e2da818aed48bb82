"""The egress life cycle, the file in S3, webhooks, pagination and the control API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time

import pytest
import requests
from livekit import api
from livekit.api import TokenVerifier, WebhookReceiver

from support import (API_KEY, API_SECRET, BUCKET, DEMO_ROOM, PAGE_SIZE, egress_call, egress_status,
                     file_request, s3_client, wait_status, wait_until)


def control(base, path, body=None, method="POST"):
    answer = requests.request(method, base + "/_emulator/" + path, json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def start(base, endpoint, **kwargs):
    answer = egress_call(base, "StartRoomCompositeEgress", file_request(endpoint, **kwargs))
    assert answer.status_code == 200, answer.text
    return answer.json()


def webhook_events(base, inbox, count):
    wait_until(lambda: len(inbox.snapshot()) >= count, 10, f"{count} webhooks")
    receiver = WebhookReceiver(TokenVerifier(API_KEY, API_SECRET))
    return [receiver.receive(body.decode(), headers["Authorization"]) for headers, body in inbox.snapshot()]


def ffprobe_seconds(path) -> float:
    output = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                            capture_output=True, check=True, text=True).stdout
    return float(json.loads(output)["format"]["duration"])


def test_life_cycle_uploads_a_playable_mp4(emulator, s3_endpoint, inbox, tmp_path):
    started = start(emulator, s3_endpoint, filepath="recordings/{room_name}_{utc}")
    egress_id = started["egress_id"]
    assert started["status"] == "EGRESS_STARTING" and started["started_at"] == "0"
    key = started["file_results"][0]["filename"]
    assert key.startswith(f"recordings/{DEMO_ROOM}_") and key.endswith(".mp4")  # verbatim, extension added

    active = wait_status(emulator, egress_id, "EGRESS_ACTIVE")
    assert int(active["started_at"]) > 0
    time.sleep(1.6)
    stopped = egress_call(emulator, "StopEgress", {"egress_id": egress_id}).json()
    assert stopped["status"] == "EGRESS_ENDING"
    assert int(stopped["updated_at"]) >= int(active["updated_at"])
    done = wait_status(emulator, egress_id, "EGRESS_COMPLETE")

    result = done["file_results"][0]
    assert int(done["ended_at"]) > int(done["started_at"]) > 0
    assert 1.5e9 < int(result["duration"]) < 5e9  # nanoseconds
    assert result["location"] == f"{s3_endpoint}/{BUCKET}/" + requests.utils.quote(key)
    local = tmp_path / "recording.mp4"
    s3_client(s3_endpoint).download_file(BUCKET, key, str(local))
    assert local.stat().st_size == int(result["size"])
    assert 1.5 <= ffprobe_seconds(local) <= 2.5

    events = webhook_events(emulator, inbox, 4)
    assert [(e.event, e.egress_info.status) for e in events] == [
        ("egress_started", 0), ("egress_updated", 1), ("egress_updated", 2), ("egress_ended", 3)]
    assert len({e.id for e in events}) == 4 and all(e.created_at > 1_600_000_000 for e in events)


def test_webhooks_are_lower_camel_case_without_defaults_and_signed_over_the_body(emulator, s3_endpoint, inbox):
    start(emulator, s3_endpoint)
    headers, body = wait_until(lambda: inbox.snapshot(), 10, "a webhook")[0]
    document = json.loads(body)

    assert headers["Content-Type"] == "application/webhook+json"
    assert not headers["Authorization"].startswith("Bearer ")
    assert "egressInfo" in document and "createdAt" in document
    assert "status" not in document["egressInfo"]  # EGRESS_STARTING is the default: omitted
    assert "startedAt" not in document["egressInfo"]
    receiver = WebhookReceiver(TokenVerifier(API_KEY, API_SECRET))
    assert receiver.receive(body.decode(), headers["Authorization"]).event == "egress_started"
    with pytest.raises(Exception, match="hash mismatch"):
        receiver.receive(body.decode().replace("egress_started", "egress_ended_"), headers["Authorization"])


def test_list_egress_paginates_and_filters(emulator, s3_endpoint):
    control(emulator, "rooms", {"name": "other", "participants": ["carol"]})
    ids = [start(emulator, s3_endpoint)["egress_id"] for _ in range(4)] + \
          [start(emulator, s3_endpoint, room="other")["egress_id"]]
    egress_call(emulator, "StopEgress", {"egress_id": ids[0]}).raise_for_status()  # aborted: still starting

    pages, token = [], None
    while True:
        body = {"page_token": {"token": token}} if token else {}
        page = egress_call(emulator, "ListEgress", body).json()
        pages.append([item["egress_id"] for item in page["items"]])
        if not page["next_page_token"] or not page["next_page_token"]["token"]:
            break
        token = page["next_page_token"]["token"]

    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 1]
    assert sum(pages, []) == ids
    in_room = egress_call(emulator, "ListEgress", {"room_name": "other"}).json()["items"]
    assert [i["egress_id"] for i in in_room] == [ids[4]]
    active = egress_call(emulator, "ListEgress", {"active": True}).json()["items"]
    assert ids[0] not in [i["egress_id"] for i in active]
    assert egress_call(emulator, "ListEgress", {"page_token": {"token": "garbage"}}).status_code == 400


def test_official_sdk_talks_protobuf_to_it(emulator, s3_endpoint):
    async def scenario():
        async with api.LiveKitAPI(emulator, API_KEY, API_SECRET) as client:
            request = api.RoomCompositeEgressRequest(room_name=DEMO_ROOM, file_outputs=[api.EncodedFileOutput(
                file_type=api.EncodedFileType.MP4, filepath="sdk/test.mp4",
                s3=api.S3Upload(access_key="a", secret="b", region="us-east-1", endpoint=s3_endpoint,
                                bucket=BUCKET, force_path_style=True))])
            info = await client.egress.start_room_composite_egress(request)
            listed = await client.egress.list_egress(api.ListEgressRequest(egress_id=info.egress_id))
            rooms = await client.room.list_rooms(api.ListRoomsRequest())
            with pytest.raises(api.TwirpError) as missing:
                await client.egress.stop_egress(api.StopEgressRequest(egress_id="EG_missing"))
            return info, listed, rooms, missing.value
    info, listed, rooms, missing = asyncio.run(scenario())
    assert listed.items[0].egress_id == info.egress_id
    assert [room.name for room in rooms.rooms] == [DEMO_ROOM]
    assert (missing.code, missing.message) == ("not_found", "egress does not exist")
    calls = control(emulator, "calls", method="GET")["calls"]
    assert {c.get("content_type") for c in calls} == {"application/protobuf"}


def test_upload_failure_ends_failed_with_the_error(emulator, s3_endpoint, inbox):
    egress_id = start(emulator, s3_endpoint, bucket="no-such-bucket")["egress_id"]
    wait_status(emulator, egress_id, "EGRESS_ACTIVE")
    egress_call(emulator, "StopEgress", {"egress_id": egress_id}).raise_for_status()

    failed = wait_status(emulator, egress_id, "EGRESS_FAILED")

    assert "NoSuchBucket" in failed["error"]
    assert int(failed["ended_at"]) > 0


def test_leading_slash_key_fails_as_on_minio(emulator, s3_endpoint):
    egress_id = start(emulator, s3_endpoint, filepath="/recordings/x.mp4")["egress_id"]
    wait_status(emulator, egress_id, "EGRESS_ACTIVE")
    egress_call(emulator, "StopEgress", {"egress_id": egress_id}).raise_for_status()
    assert "starts with '/'" in wait_status(emulator, egress_id, "EGRESS_FAILED")["error"]


def test_stop_while_starting_aborts(emulator, s3_endpoint):
    control(emulator, "hold", {"hold": True})
    egress_id = start(emulator, s3_endpoint)["egress_id"]

    stopped = egress_call(emulator, "StopEgress", {"egress_id": egress_id}).json()

    assert stopped["status"] == "EGRESS_ABORTED"
    assert (stopped["error"], stopped["error_code"]) == ("Stop called before pipeline could start", 412)


def test_empty_room_aborts_without_start_signal(emulator, s3_endpoint):
    control(emulator, "rooms", {"name": "empty"})
    egress_id = start(emulator, s3_endpoint, room="empty")["egress_id"]
    aborted = wait_status(emulator, egress_id, "EGRESS_ABORTED")
    assert (aborted["error"], aborted["error_code"]) == ("Start signal not received", 412)


def test_held_egress_stays_starting_until_activated(emulator, s3_endpoint):
    control(emulator, "hold", {"hold": True})
    egress_id = start(emulator, s3_endpoint)["egress_id"]
    time.sleep(0.6)  # longer than the start delay
    assert egress_status(emulator, egress_id)["status"] == "EGRESS_STARTING"
    control(emulator, "egress/activate", {"egress_id": egress_id})
    assert egress_status(emulator, egress_id)["status"] == "EGRESS_ACTIVE"


def test_injected_fault_answers_once_then_calls_succeed(emulator):
    control(emulator, "faults", {"method": "ListEgress", "code": "unavailable", "count": 1})

    first = egress_call(emulator, "ListEgress", {})
    second = egress_call(emulator, "ListEgress", {})

    assert first.status_code == 503
    assert first.json() == {"code": "unavailable", "msg": "no response from servers"}
    assert second.status_code == 200


def test_end_out_of_band_with_and_without_webhook(emulator, s3_endpoint, inbox):
    first = start(emulator, s3_endpoint)["egress_id"]
    second = start(emulator, s3_endpoint)["egress_id"]
    wait_status(emulator, second, "EGRESS_ACTIVE")
    wait_status(emulator, first, "EGRESS_ACTIVE")

    control(emulator, "egress/end", {"egress_id": first, "status": "EGRESS_FAILED", "error": "worker died"})
    control(emulator, "egress/end", {"egress_id": second, "status": "EGRESS_LIMIT_REACHED", "webhook": False})

    failed, limited = egress_status(emulator, first), egress_status(emulator, second)
    assert (failed["status"], failed["error"]) == ("EGRESS_FAILED", "worker died")
    assert (limited["status"], limited["error_code"]) == ("EGRESS_LIMIT_REACHED", 413)
    assert int(limited["file_results"][0]["size"]) > 0  # the file is finalised at the limit
    sent = control(emulator, "webhooks?wait=1", method="GET")["sent"]
    ended = [(s["egress_id"], s["status"]) for s in sent if s["event"] == "egress_ended"]
    assert ended == [(first, "EGRESS_FAILED")]


def test_forgotten_egress_is_not_found(emulator, s3_endpoint):
    egress_id = start(emulator, s3_endpoint)["egress_id"]
    control(emulator, "egress/forget", {"egress_id": egress_id})
    answer = egress_call(emulator, "ListEgress", {"egress_id": egress_id})
    assert (answer.status_code, answer.json()["msg"]) == (404, "egress does not exist")


def test_webhooks_can_be_dropped_and_duplicated(emulator, s3_endpoint, inbox):
    control(emulator, "hold", {"hold": True})
    control(emulator, "webhooks", {"drop": 1})
    start(emulator, s3_endpoint)                      # egress_started dropped
    control(emulator, "webhooks", {"duplicate": 1})
    start(emulator, s3_endpoint)                      # egress_started twice, same id

    control(emulator, "webhooks?wait=1", method="GET")
    bodies = [json.loads(body) for _, body in inbox.snapshot()]
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_update_layout_while_active_is_remembered(emulator, s3_endpoint):
    egress_id = start(emulator, s3_endpoint)["egress_id"]
    wait_status(emulator, egress_id, "EGRESS_ACTIVE")

    answer = egress_call(emulator, "UpdateLayout", {"egress_id": egress_id, "layout": "speaker-light"})

    assert answer.status_code == 200
    assert control(emulator, f"egress/{egress_id}", method="GET")["layouts"] == ["speaker-light"]


def test_rooms_show_the_recorder_while_active(emulator, s3_endpoint):
    from support import ROOMS, call, token
    egress_id = start(emulator, s3_endpoint)["egress_id"]
    wait_status(emulator, egress_id, "EGRESS_ACTIVE")

    rooms = call(emulator, ROOMS + "ListRooms", {"names": [DEMO_ROOM]}, token(room_list=True)).json()["rooms"]
    people = call(emulator, ROOMS + "ListParticipants", {"room": DEMO_ROOM},
                  token(room_admin=True, room=DEMO_ROOM)).json()["participants"]
    nobody = call(emulator, ROOMS + "ListParticipants", {"room": "!gone:example.org"},
                  token(room_admin=True, room="!gone:example.org")).json()

    assert [(r["name"], r["num_participants"], r["active_recording"]) for r in rooms] == [(DEMO_ROOM, 2, True)]
    assert int(rooms[0]["creation_time"]) < 10**11  # seconds, unlike egress times
    assert sorted((p["identity"], p["kind"]) for p in people) == [
        (egress_id, "EGRESS"), ("alice", "STANDARD"), ("bob", "STANDARD")]
    assert nobody == {"participants": []}
