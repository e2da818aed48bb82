#!/usr/bin/env python3
"""An upstream that answers every request with garbage: what a broken proxy or LiveKit
behind a failing load balancer sends. Usage: garbage_upstream.py PORT MODE
MODE: html502 (nginx's HTML 502), json-not-twirp (200 with a JSON array), truncated
(200, Content-Length larger than the body, then close), huge (200 with 50 MB of JSON),
hang (accepts, never answers), binary (200 with random bytes)."""
import http.server
import os
import socketserver
import sys
import time

PORT, MODE = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if MODE == "hang":
            time.sleep(3600)
            return
        if MODE == "html502":
            body, status, kind = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", 502, "text/html"
        elif MODE == "json-not-twirp":
            body, status, kind = b'[1,2,{"egress_id":5}]', 200, "application/json"
        elif MODE == "huge":
            body, status, kind = b'{"items":[' + b'{"egress_id":"x"},' * 2_800_000 + b'{}]}', 200, "application/json"
        elif MODE == "binary":
            body, status, kind = os.urandom(4096), 200, "application/json"
        else:  # truncated
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"egress_id":"EG_')
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
