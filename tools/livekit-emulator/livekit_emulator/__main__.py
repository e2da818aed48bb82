"""`python -m livekit_emulator`: flags override environment variables (see README.md)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from aiohttp import web

from .auth import Authenticator
from .media import S3Checks
from .server import Server
from .webhooks import WebhookSender
from .world import Timings, World, media_maker


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="livekit_emulator", description=__doc__)
    parser.add_argument("--host", default=_env("EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("EMULATOR_PORT", "7880")))
    parser.add_argument("--api-key", default=_env("LIVEKIT_API_KEY", "devkey"))
    parser.add_argument("--api-secret", default=_env("LIVEKIT_API_SECRET"))
    parser.add_argument("--webhook-url", default=_env("WEBHOOK_URL"))
    parser.add_argument("--start-delay", type=float, default=float(_env("EMULATOR_START_DELAY", "0.5")),
                        help="seconds from STARTING to ACTIVE")
    parser.add_argument("--end-delay", type=float, default=float(_env("EMULATOR_END_DELAY", "0.5")),
                        help="seconds from ENDING to the upload and COMPLETE")
    parser.add_argument("--page-size", type=int, default=int(_env("EMULATOR_PAGE_SIZE", "10")),
                        help="ListEgress items per page (next_page_token beyond)")
    parser.add_argument("--forget-after", type=float, default=float(_env("EMULATOR_FORGET_AFTER", "86400")),
                        help="seconds after which ended egresses are forgotten")
    parser.add_argument("--max-media-seconds", type=int, default=int(_env("EMULATOR_MAX_MEDIA_SECONDS", "30")))
    parser.add_argument("--media-cache", default=_env("EMULATOR_MEDIA_CACHE"))
    parser.add_argument("--expect-s3-access-key", default=_env("EMULATOR_EXPECT_S3_ACCESS_KEY"),
                        help="fail uploads whose request carries another access key")
    parser.add_argument("--expect-s3-secret", default=_env("EMULATOR_EXPECT_S3_SECRET"),
                        help="fail uploads whose request carries another secret")
    parser.add_argument("--no-abort-without-participants", action="store_true",
                        help="go ACTIVE even in an empty room (LiveKit aborts: Start signal not received)")
    parser.add_argument("--room", action="append", default=[], help="a room that exists from the start")
    parser.add_argument("--participant", action="append", default=[], metavar="ROOM=IDENTITY",
                        help="a participant in a room (the room is created if needed)")
    parser.add_argument("--log-level", default=_env("EMULATOR_LOG_LEVEL", "INFO"))
    arguments = parser.parse_args(argv)
    if not arguments.api_secret:
        parser.error("--api-secret (or LIVEKIT_API_SECRET) is required")
    return arguments


def initial_rooms(rooms: list[str], participants: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {name: [] for name in rooms}
    for item in participants:
        # Room names may contain '=' (base64 padding); identities rarely do: split at the last one.
        room, separator, identity = item.rpartition("=")
        if not separator or not room or not identity:
            raise SystemExit(f"--participant wants ROOM=IDENTITY, got {item!r}")
        result.setdefault(room, []).append(identity)
    return result


def build(arguments: argparse.Namespace) -> web.Application:
    webhooks = WebhookSender(arguments.webhook_url, arguments.api_key, arguments.api_secret)
    world = World(
        Timings(arguments.start_delay, arguments.end_delay, arguments.page_size, arguments.forget_after),
        webhooks, media_maker(arguments.media_cache, arguments.max_media_seconds),
        S3Checks(arguments.expect_s3_access_key, arguments.expect_s3_secret),
        initial_rooms(arguments.room, arguments.participant),
        abort_without_participants=not arguments.no_abort_without_participants)
    return Server(world, Authenticator(arguments.api_key, arguments.api_secret)).app()


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=arguments.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build(arguments)
    logging.getLogger("livekit_emulator").info(
        "LiveKit emulator on http://%s:%d (control API under /_emulator)", arguments.host, arguments.port)
    web.run_app(app, host=arguments.host, port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
