"""A real local HTTP server playing a Twilio-compatible or generic SMS gateway.

Dedupes by idempotency key, so ``delivered`` proves how many messages a
recipient would really receive. Behaviour is scripted per request with
``plan``: a list of (status, body, delay) consumed in order, then ``default``.
"""

import json
import random
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

if __package__:  # the addon's tests
    from odoo.addons.callflow_odoo.tests.local_server import LocalHTTPServer
else:  # a plain file (bench/common.py puts callflow_odoo/tests on sys.path)
    from local_server import LocalHTTPServer


class FakeGateway(LocalHTTPServer):
    def __init__(self, fail_ratio=0.0, seed=42):
        self.plan = []
        self.default = None
        # When set, every POST is answered 307 to this URL (and recorded).
        self.redirect_to = None
        self.fail_ratio = fail_ratio
        self.random = random.Random(seed)
        self.requests = []
        self.delivered = {}
        self.accepted = Counter()  # 2xx answers per idempotency key
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                res = super().setup()
                # Headers and body go out as separate writes: without this,
                # Nagle + delayed ACK add 40 ms to every keep-alive answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return res

            def log_message(self, *args):
                pass

            def do_GET(self):
                # Counters for a gateway run in another process (benchmark).
                data = json.dumps(gateway.stats()).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if gateway.redirect_to:
                    with gateway.lock:
                        gateway.requests.append(
                            {"path": self.path, "headers": dict(self.headers)}
                        )
                    self.send_response(307)
                    self.send_header("Location", gateway.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body, delay = gateway._handle(self, raw)
                if delay:
                    time.sleep(delay)
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True  # the client gave up (timeout)

        super().__init__(Handler)

    def stats(self):
        with self.lock:
            return {
                "requests": len(self.requests),
                "delivered": len(self.delivered),
                "accepted": sum(self.accepted.values()),
                "duplicates": sum(1 for n in self.accepted.values() if n > 1),
            }

    def _handle(self, handler, raw):
        key = handler.headers.get("I-Twilio-Idempotency-Token") or handler.headers.get(
            "Idempotency-Key"
        )
        if handler.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.lock:
            self.requests.append(
                {
                    "path": handler.path,
                    "params": params,
                    "key": key,
                    "headers": dict(handler.headers),
                }
            )
            if self.plan:
                status, body, delay = self.plan.pop(0)
            elif self.default:
                status, body, delay = self.default
            elif self.fail_ratio and self.random.random() < self.fail_ratio:
                status, body, delay = 500, '{"message": "busy"}', 0
            else:
                status, body, delay = 201, None, 0
            if 200 <= status < 300:
                # Deliver once per idempotency key, like the real providers.
                self.accepted[key] += 1
                msg_id = self.delivered.setdefault(key, f"SM{len(self.delivered):032d}")
                if body is None:
                    body = json.dumps({"sid": msg_id, "id": msg_id, "status": "queued"})
        return status, body, delay
