#!/usr/bin/env python3
"""Hostile-client probes against a running recording-api (raw TCP, no HTTP library).

Usage: http_attacks.py HOST PORT PID [--only NAME ...] [--key OPERATOR_KEY] [--slow]

After every attack: the process must be alive, GET /health must answer 200 from a
fresh connection, and no answer may be a 5xx. VmRSS (KiB) is reported per attack.
Prints one JSON object per attack and a summary line; exit status 1 when any failed.
"""
import json
import os
import re
import socket
import sys
import threading
import time

HOST, PORT, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ARGS = sys.argv[4:]
KEY = ARGS[ARGS.index("--key") + 1] if "--key" in ARGS else ""
ONLY = [ARGS[i + 1] for i, a in enumerate(ARGS) if a == "--only"]
SLOW = "--slow" in ARGS


def connect(timeout=5.0):
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_all(s, limit=1 << 20):
    chunks = []
    total = 0
    try:
        while total < limit:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
            total += len(data)
    except (socket.timeout, ConnectionResetError, OSError):
        pass
    return b"".join(chunks)


def exchange(raw, timeout=5.0, shutdown=True):
    """Sends raw bytes, half-closes, returns everything the server wrote back."""
    s = connect(timeout)
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if shutdown:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return read_all(s)
    finally:
        s.close()


def statuses(reply):
    """Every HTTP status line in a (possibly pipelined) reply; bodies do not end in CRLF."""
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", reply)]


def health():
    try:
        reply = exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
        return 200 in statuses(reply)
    except OSError:
        return False


def rss_kib():
    try:
        with open(f"/proc/{PID}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None


def alive():
    try:
        os.kill(PID, 0)
        return True
    except ProcessLookupError:
        return False


def auth():
    return f"Authorization: Bearer {KEY}\r\n".encode() if KEY else b""


ATTACKS = {}


def attack(fn):
    ATTACKS[fn.__name__] = fn
    return fn


@attack
def malformed_request_line():
    out = []
    for line in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
                 b"GET /health HTTP/1.1 extra\r\n\r\n", b"G" * 70000 + b" / HTTP/1.1\r\n\r\n", b"\r\n\r\n\r\n"]:
        out += statuses(exchange(line))
    return out


@attack
def absurd_methods():
    out = []
    for m in [b"BREW", b"PROPFIND", b"get", b"X" * 5000, b"CONNECT", b"TRACE"]:
        out += statuses(exchange(m + b" /api/recording/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth() + b"\r\n"))
    # libevent 2.1.12 answers a method it has no enum for with its own 501 page before any
    # callback (http.c evhttp_handle_request); RFC 9110 §9.1 asks for 501 there. Known, allowed.
    return [0 if s == 501 else s for s in out]


@attack
def missing_host_and_http10():
    out = statuses(exchange(b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"))
    out += statuses(exchange(b"GET /health HTTP/1.0\r\n\r\n"))
    out += statuses(exchange(b"GET /health\r\n\r\n"))  # HTTP/0.9
    out += statuses(exchange(b"POST /api/recording/start HTTP/1.0\r\n" + auth() + b"Content-Length: 2\r\n\r\n{}"))
    return out


@attack
def huge_header():
    return statuses(exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\nConnection: close\r\n\r\n"))


@attack
def ten_thousand_headers():
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(10000))
    return statuses(exchange(b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"Connection: close\r\n\r\n"))


@attack
def content_length_lies():
    out = []
    body = b'{"roomName":"!a:b"}'
    # Shorter than announced: the server waits for the rest; half-close ends it.
    out += statuses(exchange(b"POST /api/recording/start HTTP/1.1\r\nHost: x\r\n" + auth() + b"Content-Length: 100\r\n\r\n" + body))
    # Longer than announced: the rest is read as the next request.
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\n" + auth() + b"Content-Length: 5\r\n\r\n" + body))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde"))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"))
    return out


@attack
def chunked_garbage():
    out = []
    base = b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\n" + auth() + b"Transfer-Encoding: chunked\r\n\r\n"
    for body in [b"zz\r\nhello\r\n0\r\n\r\n", b"ffffffffffffffff\r\nx\r\n", b"-5\r\nabc\r\n0\r\n\r\n",
                 b"5\r\nabc\r\n0\r\n\r\n", b"3\r\n{}}\r\n0\r\n\r\n", b"7fffffff\r\n" + b"a" * 1000,
                 b"100000\r\n" + b"a" * 0x100000 + b"\r\n0\r\n\r\n"]:
        out += statuses(exchange(base + body))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"))
    out += statuses(exchange(b"POST /api/recording/stop HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"))
    return out


@attack
def pipelined():
    reqs = b"".join(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" for _ in range(50))
    reqs += b"GET /api/recording/list HTTP/1.1\r\nHost: x\r\n" + auth() + b"Connection: close\r\n\r\n"
    # No half-close: libevent drops still-queued pipelined requests once it reads EOF.
    out = statuses(exchange(reqs, timeout=10, shutdown=False))
    if out.count(200) < 50:
        out.append(-1)  # lost pipelined answers
    return out


@attack
def percent_bombs():
    out = []
    for path in [b"/api/recording/status/%00", b"/api/recording/status/%ff%fe", b"/api/recording/status/%c0%af",
                 b"/api/recording/status/..%2f..%2fetc%2fpasswd", b"/api/recording/status/%", b"/api/recording/status/%zz",
                 b"/api/recording/status/%e2%82", b"/api/recording/status/" + b"%41" * 3000, b"/api/recording/%2e%2e",
                 b"/%2e%2e/%2e%2e/health", b"/api/recording/status/a%2fb", b"/api/recording/status/\xff\xfe",
                 b"/api/recording/status/" + b"e" * 8192, b"/api/recording/download/" + b"e" * 8192,
                 b"/api/recording/list?" + b"&".join(b"p%d=%d" % (i, i) for i in range(10000)),
                 b"/api/recording/list?roomName=%00&status=%ff&limit=99999999999999999999999&active=%c0",
                 b"/api/recording/list?roomName=" + b"%61" * 20000,
                 b"http://evil/health", b"*", b"/health#frag", b"/health?%", b"//health", b"/api//recording/list"]:
        out += statuses(exchange(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth() + b"Connection: close\r\n\r\n"))
    out += statuses(exchange(b"DELETE /api/recording/" + b"e" * 8192 + b" HTTP/1.1\r\nHost: x\r\n" + auth() + b"Connection: close\r\n\r\n"))
    return out


@attack
def close_mid_request_and_mid_response():
    for _ in range(50):
        s = connect()
        s.sendall(b"POST /api/recording/start HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"room")
        s.close()
        s = connect()
        s.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        s.close()
    return []


@attack
def many_idle_connections():
    socks = []
    try:
        for _ in range(500):
            socks.append(connect())
        ok = health()
        return [200 if ok else -2]
    finally:
        for s in socks:
            s.close()


@attack
def slowloris():
    """A byte a second must not keep /health from answering; the server ends it by its timeout."""
    stop = threading.Event()
    result = {"closed_after": None}

    def drip():
        s = connect(timeout=120)
        start = time.time()
        request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
        try:
            for b in request:
                if stop.is_set():
                    break
                s.sendall(bytes([b]))
                time.sleep(1)
        except (BrokenPipeError, ConnectionResetError, OSError):
            result["closed_after"] = time.time() - start
        s.close()

    threads = [threading.Thread(target=drip) for _ in range(20)]
    for t in threads:
        t.start()
    time.sleep(2)
    answered = all(health() for _ in range(5))
    limit = float(os.environ.get("SLOWLORIS_WAIT", "0"))
    if limit:
        time.sleep(limit)
    stop.set()
    for t in threads:
        t.join()
    return [200 if answered else -3] + ([int(result["closed_after"])] if result["closed_after"] else [])


def main():
    names = ONLY or [n for n in ATTACKS if SLOW or n != "slowloris"]
    failed = 0
    start_rss = rss_kib()
    for name in names:
        before = rss_kib()
        try:
            seen = ATTACKS[name]()
            error = None
        except Exception as e:  # noqa: BLE001 - a probe must report, not stop
            seen, error = [], repr(e)
        ok_health = health()
        after = rss_kib()
        bad = [s for s in seen if s >= 500 or s < 0]
        ok = alive() and ok_health and not bad and error is None
        failed += not ok
        print(json.dumps({"attack": name, "ok": ok, "alive": alive(), "health": ok_health, "statuses": sorted(set(seen)),
                          "bad": bad, "error": error, "rss_before_kib": before, "rss_after_kib": after}), flush=True)
    print(json.dumps({"summary": True, "failed": failed, "rss_start_kib": start_rss, "rss_end_kib": rss_kib()}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
