#!/usr/bin/env python3
"""A throw-away stand-in for recording-api's public contract (DESIGN.md), only as far as
scripts/demo.sh walks it, so the stack scripts can be tested before the Swift server exists.
It talks to the emulator with LiveKit's own SDK (protobuf) and presigns with boto3."""

import asyncio
import os
import re
from datetime import datetime, timezone

import boto3
from aiohttp import web
from livekit import api

env = os.environ
KEYS = {item.split(":", 1)[1] for item in env["RECORDING_API_KEYS"].split(",")}
s3 = boto3.client("s3", endpoint_url=env["S3_ENDPOINT"], region_name=env["S3_REGION"],
                  aws_access_key_id=env["S3_ACCESS_KEY"], aws_secret_access_key=env["S3_SECRET_KEY"])


def lk():
    return api.LiveKitAPI(env["LIVEKIT_URL"], env["LIVEKIT_API_KEY"], env["LIVEKIT_API_SECRET"])


def ms(ns):
    return str(ns // 10**6) if ns else None


@web.middleware
async def operator(request, handler):
    if request.path.startswith("/api/") and request.headers.get("Authorization", "")[7:] not in KEYS:
        return web.json_response({"success": False, "code": "unauthorized", "error": "bad key"}, status=401)
    return await handler(request)


async def health(_):
    return web.json_response({"status": "ok"})


async def start(request):
    room = (await request.json())["roomName"]
    key = "recordings/%s_%s.mp4" % (re.sub(r"[^A-Za-z0-9._-]", "_", room),
                                    datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    async with lk() as client:
        info = await client.egress.start_room_composite_egress(api.RoomCompositeEgressRequest(
            room_name=room, layout="grid-dark", file_outputs=[api.EncodedFileOutput(
                file_type=api.EncodedFileType.MP4, filepath=key, s3=api.S3Upload(
                    access_key=env["S3_ACCESS_KEY"], secret=env["S3_SECRET_KEY"], region=env["S3_REGION"],
                    endpoint=env["S3_ENDPOINT"], bucket=env["S3_BUCKET"], force_path_style=True))]))
    return web.json_response({"success": True, "egressId": info.egress_id, "roomName": room,
                              "status": api.EgressStatus.Name(info.status), "startedAt": ms(info.updated_at)})


async def egress(egress_id):
    async with lk() as client:
        return (await client.egress.list_egress(api.ListEgressRequest(egress_id=egress_id))).items[0]


async def stop(request):
    async with lk() as client:
        info = await client.egress.stop_egress(api.StopEgressRequest(egress_id=(await request.json())["egressId"]))
    return web.json_response({"success": True, "egressId": info.egress_id,
                              "status": api.EgressStatus.Name(info.status), "endedAt": ms(info.ended_at)})


async def status(request):
    info = await egress(request.match_info["id"])
    return web.json_response({"success": True, "egress": {
        "egressId": info.egress_id, "roomName": info.room_name, "status": api.EgressStatus.Name(info.status),
        "startedAt": ms(info.started_at), "endedAt": ms(info.ended_at), "error": info.error or None}})


async def download(request):
    info = await egress(request.match_info["id"])
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": env["S3_BUCKET"], "Key": info.file_results[0].filename}, ExpiresIn=300)
    return web.json_response({"success": True, "url": url, "expiresAt": "0"})


app = web.Application(middlewares=[operator])
app.add_routes([web.get("/health", health), web.post("/api/recording/start", start),
                web.post("/api/recording/stop", stop), web.get("/api/recording/status/{id}", status),
                web.get("/api/recording/download/{id}", download)])
web.run_app(app, host=env["HOST"], port=int(env["PORT"]), print=None)
