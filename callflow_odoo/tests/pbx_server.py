"""A real local HTTP server playing an on-premise PBX's HTTP API (Asterisk,
3CX and the like, behind Callflow's generic HTTP provider): click-to-call,
hang-up and recording deletion, each checked against an API key header.

No ORM: a plain server in a thread. ``plan``: HTTP statuses answered first,
in order (to test failures and retries)."""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

if __package__:  # the addon's tests
    from .local_server import LocalHTTPServer
else:  # pragma: no cover
    from local_server import LocalHTTPServer

API_KEY = "pbx-key"
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfake-pbx-audio"


class FakePbx(LocalHTTPServer):
    def __init__(self, port=0):
        self.requests = []  # (method, path, query, headers)
        self.calls = {}  # PBX call id -> Callflow's reference
        self.hangups = []  # PBX call ids asked to end
        self.recordings = set()  # recording ids the PBX keeps
        self.deletes = []  # recording ids asked to DELETE
        self.plan = []  # HTTP statuses answered first
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        pbx = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = pbx._handle(method, self, raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self._serve("POST")

            def do_DELETE(self):
                self._serve("DELETE")

            def do_GET(self):
                status, body = pbx._audio(self)
                self.send_response(status)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler, port)

    def _audio(self, handler):
        """GET ``/pbx/recordings/<id>.wav``: the audio, with the API key."""
        path = urlsplit(handler.path).path
        with self.lock:
            self.requests.append(
                {"method": "GET", "path": path, "headers": dict(handler.headers)}
            )
            rec_id = path.rsplit("/", 1)[-1].removesuffix(".wav")
            if handler.headers.get("X-Api-Key") != API_KEY:
                return 401, b""
            if not path.startswith("/pbx/recordings/") or rec_id not in self.recordings:
                return 404, b""
        return 200, AUDIO

    def _handle(self, method, handler, raw):
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        with self.lock:
            self.requests.append(
                {
                    "method": method,
                    "path": parts.path,
                    "query": query,
                    "headers": dict(handler.headers),
                    "body": raw,
                }
            )
            if handler.headers.get("X-Api-Key") != API_KEY:
                return 401, {"error": "bad key"}
            if self.plan:
                return self.plan.pop(0), {"error": "planned"}
            if method == "POST" and segments == ["pbx", "call"]:
                call_id = f"PBX-{next(self._ids)}"
                self.calls[call_id] = handler.headers.get("Idempotency-Key")
                return 200, {"id": call_id}
            if method == "POST" and segments[:2] == ["pbx", "calls"]:
                if len(segments) != 4 or segments[3] != "hangup":
                    return 404, {"error": "not found"}
                if segments[2] not in self.calls:
                    return 404, {"error": "no such call"}
                self.hangups.append(segments[2])
                return 200, {"status": "hanging up"}
            if method == "DELETE" and segments[:2] == ["pbx", "recordings"]:
                rec_id = segments[2] if len(segments) == 3 else ""
                self.deletes.append(rec_id)
                if rec_id not in self.recordings:
                    return 404, {"error": "no such recording"}
                self.recordings.discard(rec_id)
                return 200, {"deleted": rec_id}
        return 404, {"error": "not found"}
