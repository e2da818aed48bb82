#!/usr/bin/env python3
"""Hostile JSON bodies against a running recording-api.

Usage: json_attacks.py BASE_URL OPERATOR_KEY ROOM
Prints one line per body: endpoint, status, code; exit 1 when any answer is 5xx,
not JSON, or the server stopped answering /health.
"""
import json
import sys
import urllib.error
import urllib.request

BASE, KEY, ROOM = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body, timeout=30):
    request = urllib.request.Request(BASE + path, data=body, method=method, headers={
        "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


controls = "".join(chr(c) for c in range(1, 32)) + "\x7f"
BODIES = {
    "nested_arrays_100k": b"[" * 100_000 + b"]" * 100_000,
    "nested_objects_60k": b'{"a":' * 60_000 + b"1" + b"}" * 60_000,
    "nested_in_field": b'{"roomName":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "huge_number": b'{"roomName":"x","maxDurationSeconds":' + b"9" * 5000 + b"}",
    "huge_exponent": b'{"roomName":"x","maxDurationSeconds":1e999999}',
    "negative_zero": b'{"roomName":"x","maxDurationSeconds":-0}',
    "float_duration": b'{"roomName":"x","maxDurationSeconds":1.5}',
    "int_overflow": b'{"roomName":"x","maxDurationSeconds":9223372036854775808}',
    "duplicate_keys": b'{"roomName":"a","roomName":"b"}',
    "unicode_escapes": json.dumps({"roomName": "\u00e9\u4e2d\U0001F600"}).encode(),
    "control_chars_raw": json.dumps({"roomName": controls}).encode(),
    "control_chars_raw_unescaped": b'{"roomName":"a\x01b\nc"}',
    "nul_escaped": b'{"roomName":"a\\u0000b"}',
    "lone_surrogate": b'{"roomName":"\\ud800"}',
    "lone_low_surrogate": b'{"roomName":"\\udc00x"}',
    "invalid_utf8": b'{"roomName":"\xff\xfe"}',
    "overlong_utf8": b'{"roomName":"\xc0\xaf"}',
    "bom": b'\xef\xbb\xbf{"roomName":"x"}',
    "utf16": json.dumps({"roomName": "x"}).encode("utf-16"),
    "number_as_string": b'{"roomName":"x","maxDurationSeconds":"10"}',
    "room_as_number": b'{"roomName":12}',
    "layout_null": b'{"roomName":"x","layout":null}',
    "layout_bogus": b'{"roomName":"x","layout":"<script>"}',
    "unknown_fields": b'{"roomName":"x","bogus":1,"__proto__":{}}',
    "top_level_array": b'[]',
    "top_level_string": b'"x"',
    "top_level_null": b'null',
    "trailing_garbage": b'{"roomName":"x"} garbage',
    "two_objects": b'{"roomName":"x"}{"roomName":"y"}',
    "empty": b"",
    "whitespace": b"   \n",
    "long_string": json.dumps({"roomName": "r" * 60_000}).encode(),
    "many_keys": b"{" + b",".join(b'"k%d":1' % i for i in range(5000)) + b',"roomName":"x"}',
    "preset_bomb": json.dumps({"roomName": "x", "preset": "P" * 50_000}).encode(),
    "nan": b'{"roomName":"x","maxDurationSeconds":NaN}',
    "infinity": b'{"roomName":"x","maxDurationSeconds":Infinity}',
    "comments": b'{"roomName":"x" /* c */}',
    "single_quotes": b"{'roomName':'x'}",
}
STOP_BODIES = {
    "egress_8k": json.dumps({"egressId": "E" * 8192}).encode(),
    "egress_nul": b'{"egressId":"a\\u0000b"}',
    "egress_surrogate": b'{"egressId":"\\ud800"}',
    "egress_number": b'{"egressId":1}',
    "egress_empty": b'{"egressId":""}',
    "egress_sql": json.dumps({"egressId": "x' OR '1'='1"}).encode(),
}
LAYOUT_BODIES = {
    "layout_surrogate": b'{"egressId":"\\ud800","layout":"grid-dark"}',
    "layout_8k": json.dumps({"egressId": "E" * 8192, "layout": "grid-dark"}).encode(),
}


def main():
    failed = 0
    runs = [("/api/recording/start", BODIES), ("/api/recording/stop", STOP_BODIES), ("/api/recording/layout", LAYOUT_BODIES)]
    for path, bodies in runs:
        for name, body in bodies.items():
            try:
                status, reply = call("POST", path, body)
                try:
                    code = json.loads(reply).get("code") or ("ok" if status == 200 else "?")
                    is_json = True
                except ValueError:
                    code, is_json = reply[:80], False
            except Exception as error:  # noqa: BLE001 - report and go on
                status, code, is_json = -1, repr(error), False
            bad = status >= 500 or status < 0 or not is_json
            failed += bad
            print(f"{'FAIL' if bad else 'ok  '} {path} {name}: {status} {code}", flush=True)
    status, _ = call("GET", "/health", None)
    if status != 200:
        failed += 1
        print("FAIL /health", status)
    print(f"failed={failed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
