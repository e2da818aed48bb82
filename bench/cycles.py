#!/usr/bin/env python3
"""Start + stop cycles: recording-api's latency next to the LiveKit calls it makes.

    bench/cycles.py --api URL --operator-key KEY --livekit URL --cycles N --json OUT

For each cycle, one recording straight through the emulator's Twirp API (the calls
recording-api makes: ListRooms + StartRoomCompositeEgress for a start, StopEgress for a
stop) and one through recording-api's POST /api/recording/start and /stop, interleaved
so both see the same machine. Each side has its own fresh room with a participant.
Between timed calls the script waits (untimed) for the egress to be ACTIVE before the stop
and COMPLETE (file uploaded, webhooks delivered) after it, so no call races the
emulator's background upload. The server should run with RECORDING_STOP_WAIT_SECONDS=0:
by default a stop waits for the upload to finish, which is Egress's time, not ours.
Credentials: LIVEKIT_API_KEY, LIVEKIT_API_SECRET, S3_ENDPOINT, S3_ACCESS_KEY,
S3_SECRET_KEY from the environment.
"""
import argparse
import datetime
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

from livekit import api as livekit_api


class Client:
    """One keep-alive HTTP/1.1 connection; post() returns (status, parsed JSON)."""

    def __init__(self, base, headers):
        url = urllib.parse.urlsplit(base)
        self.prefix = url.path.rstrip("/")
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.headers = {"Content-Type": "application/json", **headers}

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        self.connection.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, (json.loads(payload) if payload else None)

    def post(self, path, body):
        return self.request("POST", path, body)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(samples_ms):
    return {"n": len(samples_ms), "p50_ms": statistics.median(samples_ms), "p99_ms": percentile(samples_ms, 99),
            "mean_ms": statistics.fmean(samples_ms)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", required=True)
    parser.add_argument("--operator-key", required=True)
    parser.add_argument("--livekit", required=True)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", required=True, help="append one JSON line with the results here")
    options = parser.parse_args()

    key, secret = os.environ["LIVEKIT_API_KEY"], os.environ["LIVEKIT_API_SECRET"]
    token = (livekit_api.AccessToken(key, secret)
             .with_grants(livekit_api.VideoGrants(room_record=True, room_list=True))
             .with_ttl(datetime.timedelta(hours=1)).to_jwt())
    livekit = Client(options.livekit, {"Authorization": f"Bearer {token}"})
    control = Client(options.livekit + "/_emulator", {})
    ours = Client(options.api, {"Authorization": f"Bearer {options.operator_key}"})
    s3 = {"access_key": os.environ["S3_ACCESS_KEY"], "secret": os.environ["S3_SECRET_KEY"], "region": "us-east-1",
          "endpoint": os.environ["S3_ENDPOINT"], "bucket": "livekit-recordings", "force_path_style": True}
    run_id = f"{os.getpid()}-{int(time.time())}"

    def new_room(side, i):
        name = f"!bench-{side}-{run_id}-{i}:example.org"
        check(control.post("/rooms", {"name": name, "participants": ["alice"]}), "create a room")
        return name

    def wait_for(egress_id, statuses):
        for _ in range(1000):
            status, info = control.request("GET", f"/egress/{egress_id}")
            if status == 200 and info["info"]["status"] in statuses:
                return
            time.sleep(0.005)
        sys.exit(f"cycles.py: egress {egress_id} never reached {statuses}")

    def timed(call):
        started = time.perf_counter_ns()
        result = call()
        return (time.perf_counter_ns() - started) / 1e6, result

    def direct_cycle(i):
        room = new_room("direct", i)
        def start():
            check(livekit.post("/twirp/livekit.RoomService/ListRooms", {"names": [room]}), "ListRooms")
            return check(livekit.post("/twirp/livekit.Egress/StartRoomCompositeEgress", {
                "room_name": room, "layout": "grid-dark",
                "file_outputs": [{"file_type": "MP4", "filepath": f"recordings/bench-direct-{run_id}-{i}.mp4",
                                  "s3": {**s3, "metadata": {"room-name": room}}}]}), "StartRoomCompositeEgress")
        start_ms, info = timed(start)
        egress_id = info["egress_id"]
        wait_for(egress_id, {"EGRESS_ACTIVE"})
        stop_ms, _ = timed(lambda: check(livekit.post("/twirp/livekit.Egress/StopEgress", {"egress_id": egress_id}), "StopEgress"))
        wait_for(egress_id, {"EGRESS_COMPLETE"})
        # The emulator sends this egress's webhooks to recording-api as well: let them land
        # before our side is timed, or our start races their handling (an S3 HEAD included).
        settle(egress_id)
        return start_ms, stop_ms

    def settle(egress_id, status_wanted="EGRESS_COMPLETE"):
        """Waits until recording-api's row shows the egress's webhook for `status_wanted`
        (by default egress_ended) has landed, so it races nothing timed."""
        for _ in range(1000):
            status, body = ours.request("GET", f"/api/recording/status/{egress_id}")
            if status == 200 and body["egress"]["status"] == status_wanted:
                return
            time.sleep(0.005)
        sys.exit(f"cycles.py: recording-api never saw egress {egress_id} reach {status_wanted}")

    def api_cycle(i):
        room = new_room("api", i)
        start_ms, body = timed(lambda: check(ours.post("/api/recording/start", {"roomName": room}), "our start"))
        egress_id = body["egressId"]
        wait_for(egress_id, {"EGRESS_ACTIVE"})
        # And the egress_updated (ACTIVE) webhook landed: a stop minutes into a call finds it
        # done, not racing its read and write on the same row.
        settle(egress_id, "EGRESS_ACTIVE")
        stop_ms, _ = timed(lambda: check(ours.post("/api/recording/stop", {"egressId": egress_id}), "our stop"))
        wait_for(egress_id, {"EGRESS_COMPLETE"})
        settle(egress_id)
        return start_ms, stop_ms

    samples = {"direct_start": [], "direct_stop": [], "api_start": [], "api_stop": []}
    began = time.monotonic()
    for i in range(options.warmup + options.cycles):
        direct = direct_cycle(i)
        through_api = api_cycle(i)
        if i < options.warmup:
            continue
        samples["direct_start"].append(direct[0])
        samples["direct_stop"].append(direct[1])
        samples["api_start"].append(through_api[0])
        samples["api_stop"].append(through_api[1])

    result = {"label": options.label, "seconds": round(time.monotonic() - began, 1), "server_means_ms": server_means(ours)}
    result.update({name: summary(values) for name, values in samples.items()})
    for call in ("start", "stop"):
        result[f"added_{call}"] = {
            "p50_ms": result[f"api_{call}"]["p50_ms"] - result[f"direct_{call}"]["p50_ms"],
            "p99_ms": result[f"api_{call}"]["p99_ms"] - result[f"direct_{call}"]["p99_ms"],
        }
    with open(options.json, "a") as out:
        out.write(json.dumps({"kind": "cycles", **result}) + "\n")
    print(json.dumps(result, indent=1), file=sys.stderr)


def server_means(ours):
    """Mean times recording-api itself measured (its /metrics histograms, warm-up included):
    each LiveKit call as its HTTP client saw it, and each route's handling. Splits the added
    latency into the outbound client's share and the rest."""
    ours.connection.request("GET", "/metrics", headers=ours.headers)
    text = ours.connection.getresponse().read().decode()
    sums, counts = {}, {}
    for line in text.splitlines():
        for metric, key in (("recording_api_livekit_request_duration_seconds", "method"),
                            ("recording_api_http_request_duration_seconds", "route")):
            for suffix, into in (("_sum{", sums), ("_count{", counts)):
                if line.startswith(metric + suffix):
                    labels, value = line[len(metric) + len(suffix):].rsplit("} ", 1)
                    name = next((part.split("=", 1)[1].strip('"') for part in labels.split(",")
                                 if part.split("=", 1)[0] == key), None)
                    if name and (key != "route" or name in ("/api/recording/start", "/api/recording/stop")):
                        into[name] = into.get(name, 0) + float(value)
    return {name: round(sums[name] / counts[name] * 1000, 2) for name in sums if counts.get(name)}


def check(answer, what):
    status, body = answer
    if status != 200:
        sys.exit(f"cycles.py: {what} answered {status}: {body}")
    return body


if __name__ == "__main__":
    main()
