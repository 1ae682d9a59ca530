"""A real local HTTP server playing a Twilio-compatible voice provider.

It accepts ``POST …/Calls.json`` (basic auth, one call per idempotency key,
like the real providers), then ``play()`` lives a call's life against
Callflow over real HTTP: the operator's leg answers, the provider fetches
Callflow's TwiML with a valid ``X-Twilio-Signature``, reads the ``<Dial>``
and posts the signed status callbacks of the person's leg, then the
``<Dial action>`` and the end of the operator's leg.

No ORM: ``scripts/voice_sim.py`` runs it as a process against a running
server. ``plan``: (status, body) answers consumed in
order before the normal one (429/503 to test the retries).
"""

import base64
import itertools
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs
from xml.etree import ElementTree

import requests

from odoo.addons.callflow_odoo.tools.signatures import twilio_signature

if __package__:  # the addon's tests
    from .local_server import LocalHTTPServer
else:  # a plain file (scripts/voice_sim.py puts this folder on sys.path)
    from local_server import LocalHTTPServer

CALLS_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls\.json$")
RECORDING_RE = re.compile(
    r"^/2010-04-01/Accounts/([^/]+)/Recordings/(RE\w+)\.(json|mp3)$"
)
AUDIO = b"ID3\x03\x00fake-mp3"
CALL_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\.json$")
START_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)/Recordings\.json$")

# The person's leg in each scenario: (CallStatus, extra callback fields);
# "completed" gets CallDuration = talk seconds.
SCENARIOS = {
    "answered": [
        ("initiated", {}),
        ("ringing", {}),
        ("in-progress", {}),
        ("completed", {}),
    ],
    "busy": [("initiated", {}), ("busy", {})],
    "no-answer": [("initiated", {}), ("ringing", {}), ("no-answer", {})],
    "failed": [("initiated", {}), ("failed", {})],
    "machine": [
        ("initiated", {}),
        ("ringing", {}),
        ("in-progress", {"AnsweredBy": "machine_end_beep"}),
        ("completed", {"AnsweredBy": "machine_end_beep"}),
    ],
    # completed arrives first, then the late ringing and answered.
    "out-of-order": [("completed", {}), ("ringing", {}), ("in-progress", {})],
    # The person answers and talks until someone hangs up (hangup()).
    "talking": [("initiated", {}), ("ringing", {}), ("in-progress", {})],
}
DIAL_STATUS = {
    "answered": "completed",
    "machine": "completed",
    "out-of-order": "completed",
}


class FakeVoiceProvider(LocalHTTPServer):
    def __init__(
        self, account_sid, auth_token, auto_play=None, talk_seconds=42, port=0
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        # A scenario name: every call is played by itself (the simulator).
        self.auto_play = auto_play
        self.talk_seconds = talk_seconds
        self.plan = []
        self.requests = []  # every POST to Calls.json
        self.calls = {}  # idempotency key -> call (dict)
        self.twiml = {}  # call sid -> the TwiML Callflow answered
        self.callbacks = []  # (url, params, HTTP status) posted to Callflow
        self.announcements = {}  # call sid -> the <Number url> TwiML
        # What the person's end lives, in order: ("announce", sid), ("say",
        # text), ("record", leg sid), ("bridged", sid).
        self.events = []
        self.recording_starts = {}  # leg sid -> the Recordings.json params
        self.record_plan = []  # HTTP statuses answered to Recordings.json
        self.legs = {}  # person's leg sid -> the call's sid
        self.recordings = {}  # recording sid -> call sid (kept at the provider)
        self.deletes = []  # recording sids asked to DELETE
        self.delete_plan = []  # HTTP statuses answered to DELETE first
        self.lock = threading.Lock()
        self.pause = 1.0  # seconds between the auto-played callbacks
        self.after_post = None  # called after each callback posted
        self.hangups = []  # call sids asked to end (Status=completed)
        self.live = {}  # call sid -> the "talking" call's legs, until hung up
        self.threads = []  # the threads posting callbacks (auto play, hangup)
        self._sids = itertools.count(1)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, body, delay = provider._handle(self, raw)
                if delay:
                    time.sleep(delay)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True  # the client gave up

            def _recording(self, method):
                status, body, kind = provider._recording(self, method)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_DELETE(self):
                self._recording("DELETE")

            def do_GET(self):
                self._recording("GET")

        super().__init__(Handler, port)

    def __exit__(self, *exc):
        # A call still playing posts to the test's server: let it end first,
        # or its callbacks land in the next test.
        for thread in self.threads:
            thread.join(60)
        return super().__exit__(*exc)

    # -- the REST API ----------------------------------------------------
    def _handle(self, handler, raw):
        """(HTTP status, JSON body, delay in seconds) of a POST."""
        status, body = self._answer(handler, raw)
        delay = 0
        if isinstance(body, tuple):
            body, delay = body
        return status, body, delay

    def _answer(self, handler, raw):
        if handler.path.startswith("/pbx/"):
            return self._click_to_call(handler, raw)
        params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        key = handler.headers.get("I-Twilio-Idempotency-Token")
        expected = (
            "Basic "
            + base64.b64encode(
                f"{self.account_sid}:{self.auth_token}".encode()
            ).decode()
        )
        match = (
            CALLS_RE.match(handler.path)
            or CALL_RE.match(handler.path)
            or START_RE.match(handler.path)
        )
        with self.lock:
            self.requests.append({"path": handler.path, "params": params, "key": key})
            if not match or match.group(1) != self.account_sid:
                return 404, {"code": 20404, "message": "Not found"}
            if handler.headers.get("Authorization") != expected:
                return 401, {"code": 20003, "message": "Authenticate"}
            if self.plan:
                return self.plan.pop(0)
            if match.re is CALL_RE:
                return self._hangup_request(match.group(2), params)
            if match.re is START_RE:
                return self._start_recording(match.group(2), params)
            if key in self.calls:  # the same attempt: the same call
                return 201, {"sid": self.calls[key]["sid"], "status": "queued"}
            sid = f"CA{next(self._sids):032d}"
            call = dict(params, sid=sid, key=key)
            self.calls[key] = call
        if self.auto_play:
            thread = threading.Thread(target=self._auto_play, args=(call,), daemon=True)
            self.threads.append(thread)
            thread.start()
        return 201, {"sid": sid, "status": "queued"}

    def _recording(self, handler, method):
        """The Recordings resource: DELETE (204, or the next planned
        status) and GET of the audio (``.mp3``), basic auth."""
        match = RECORDING_RE.match(handler.path)
        expected = (
            "Basic "
            + base64.b64encode(
                f"{self.account_sid}:{self.auth_token}".encode()
            ).decode()
        )
        if not match or match.group(1) != self.account_sid:
            return 404, b"{}", "application/json"
        if handler.headers.get("Authorization") != expected:
            return 401, b'{"code": 20003}', "application/json"
        sid = match.group(2)
        with self.lock:
            if method == "GET":
                if sid in self.recordings and match.group(3) == "mp3":
                    return 200, AUDIO, "audio/mpeg"
                return 404, b"{}", "application/json"
            self.deletes.append(sid)
            if self.delete_plan:
                return (
                    self.delete_plan.pop(0),
                    b'{"message": "down"}',
                    ("application/json"),
                )
            if self.recordings.pop(sid, None) is None:
                return 404, b'{"code": 20404}', "application/json"
        return 204, b"", "application/json"

    def _click_to_call(self, handler, raw):
        """A PBX's HTTP click-to-call API: JSON body, ``Idempotency-Key``."""
        key = handler.headers.get("Idempotency-Key")
        with self.lock:
            self.requests.append(
                {
                    "path": handler.path,
                    "params": json.loads(raw or b"{}"),
                    "key": key,
                    "headers": dict(handler.headers),
                }
            )
            if self.plan:
                return self.plan.pop(0)
            call = self.calls.setdefault(
                key, {"sid": f"PBX-{next(self._sids)}", "key": key}
            )
        return 200, {"id": call["sid"]}

    def _start_recording(self, leg_sid, params):
        """``POST …/Calls/{sid}/Recordings.json``: record a live leg from
        now on (called with the lock held)."""
        if leg_sid not in self.legs:
            return 404, {"code": 20404, "message": "Not found"}
        if self.record_plan:
            return self.record_plan.pop(0), {"message": "recording unavailable"}
        self.events.append(("record", leg_sid))
        self.recording_starts[leg_sid] = params
        return 201, {"sid": f"RE{next(self._sids):032d}", "status": "in-progress"}

    def _announce(self, sid, url, leg):
        """The person answered: their end runs the ``<Number url>`` TwiML
        (says, follows ``<Redirect>``) before the parties are connected."""
        with self.lock:
            self.legs[leg["CallSid"]] = sid
            self.events.append(("announce", sid))
        params = dict(leg, CallStatus="in-progress")
        twiml = self.post(url, params).text
        self.announcements[sid] = twiml
        for _hop in range(5):
            try:
                root = ElementTree.fromstring(twiml)
            except ElementTree.ParseError:
                return
            for verb in root:
                if verb.tag == "Say":
                    with self.lock:
                        self.events.append(("say", verb.text))
            redirect = root.find("Redirect")
            if redirect is None:
                break
            twiml = self.post(redirect.text.strip(), params).text
        with self.lock:
            self.events.append(("bridged", sid))

    def _hangup_request(self, sid, params):
        """``POST …/Calls/{sid}.json`` with ``Status=completed``: end a live
        call, then post its end (in a thread, as a provider does)."""
        if sid not in self.live or params.get("Status") != "completed":
            return 404, {"code": 20404, "message": "Not found"}
        self.hangups.append(sid)
        thread = threading.Thread(target=self._finish, args=(sid,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return 200, {"sid": sid, "status": "completed"}

    def _auto_play(self, call):
        time.sleep(self.pause)
        self.play(call["sid"], self.auto_play, pause=self.pause)

    # -- Callflow's callbacks --------------------------------------------
    def post(self, url, params):
        """A signed form POST to Callflow, as the provider sends it."""
        signature = twilio_signature(url, params, self.auth_token)
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        with self.lock:
            self.callbacks.append((url, dict(params), response.status_code))
        if self.after_post:
            self.after_post()
        return response

    def call_by_sid(self, sid):
        return next(c for c in self.calls.values() if c["sid"] == sid)

    def play(self, sid, scenario="answered", replay=False, pause=0.0):
        """Live the call ``sid``: the operator answers, the TwiML, then the
        person's leg by ``scenario``; ``replay`` sends each callback twice.
        Returns the TwiML Callflow answered."""
        call = self.call_by_sid(sid)
        clock = datetime.now(timezone.utc).replace(microsecond=0)
        base = {
            "AccountSid": self.account_sid,
            "CallSid": sid,
            "From": call["From"],
            "To": call["To"],
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        }
        status_url = call["StatusCallback"]
        for status in ("initiated", "ringing", "in-progress"):
            self.post(
                status_url,
                dict(base, CallStatus=status, Timestamp=format_datetime(clock)),
            )
        response = self.post(call["Url"], dict(base, CallStatus="in-progress"))
        twiml = response.text
        self.twiml[sid] = twiml
        dial = None
        if response.status_code == 200:
            dial = ElementTree.fromstring(twiml).find("Dial")
        if dial is not None:
            number = dial.find("Number")
            leg_sid = f"CA{next(self._sids):032d}"
            leg = {
                "AccountSid": self.account_sid,
                "CallSid": leg_sid,
                "ParentCallSid": sid,
                "From": dial.get("callerId"),
                "To": number.text,
                "Direction": "outbound-dial",
            }
            times = {
                "initiated": clock,
                "ringing": clock + timedelta(seconds=1),
                "in-progress": clock + timedelta(seconds=6),
                "completed": clock + timedelta(seconds=6 + self.talk_seconds),
            }
            answered = any(st == "in-progress" for st, _x in SCENARIOS[scenario])
            if number.get("url") and answered:
                self._announce(sid, number.get("url"), leg)
            for seq, (status, extra) in enumerate(SCENARIOS[scenario]):
                when = times.get(status, clock + timedelta(seconds=20))
                params = dict(
                    leg,
                    CallStatus=status,
                    SequenceNumber=str(seq),
                    Timestamp=format_datetime(when),
                    **extra,
                )
                if status == "completed":
                    params["CallDuration"] = str(self.talk_seconds)
                for _ in range(2 if replay else 1):
                    self.post(number.get("statusCallback"), params)
                if pause:
                    time.sleep(pause)
            self.live[sid] = (base, status_url, clock, dial, leg, leg_sid, times)
            if scenario == "talking":
                return twiml  # until hangup()
            if leg_sid in self.recording_starts:
                self._post_recording(leg_sid, replay)
            self._end_dial(sid, DIAL_STATUS.get(scenario, scenario))
        self._end_call(base, status_url, clock)
        return twiml

    def ring_operator(self, sid, final="completed"):
        """Only the operator's leg: their phone rings, then ``final``
        (``completed``: they hung up before the TwiML was fetched;
        ``no-answer``, ``busy``: they did not take the call)."""
        call = self.call_by_sid(sid)
        base = {
            "AccountSid": self.account_sid,
            "CallSid": sid,
            "From": call["From"],
            "To": call["To"],
            "Direction": "outbound-api",
        }
        for status in ("initiated", "ringing", final):
            params = dict(base, CallStatus=status)
            if status == "completed":
                params["CallDuration"] = "3"
            self.post(call["StatusCallback"], params)

    def _end_call(self, base, status_url, clock):
        """The operator's leg completes: the call's last callback."""
        self.post(
            status_url,
            dict(
                base,
                CallStatus="completed",
                CallDuration=str(self.talk_seconds + 10),
                Timestamp=format_datetime(clock + timedelta(seconds=60)),
            ),
        )

    def _post_recording(self, leg_sid, replay):
        """The recording callback, after the person's leg completed."""
        sid = self.legs[leg_sid]
        started = self.recording_starts[leg_sid]
        rec_sid = f"RE{next(self._sids):032d}"
        with self.lock:
            self.recordings[rec_sid] = sid
        params = {
            "AccountSid": self.account_sid,
            "CallSid": leg_sid,
            "RecordingSid": rec_sid,
            "RecordingUrl": f"{self.url}/2010-04-01/Accounts/{self.account_sid}"
            f"/Recordings/{rec_sid}",
            "RecordingStatus": "completed",
            "RecordingDuration": str(self.talk_seconds),
            "RecordingChannels": "2",
            "RecordingSource": "StartCallRecordingAPI",
        }
        for _ in range(2 if replay else 1):
            self.post(started["RecordingStatusCallback"], params)

    def _end_dial(self, sid, dial_status):
        base, _url, _clock, dial, _leg, leg_sid, _times = self.live.pop(sid)
        self.post(
            dial.get("action"),
            dict(
                base,
                CallStatus="in-progress",
                DialCallSid=leg_sid,
                DialCallStatus=dial_status,
                DialCallDuration=str(
                    self.talk_seconds if dial_status == "completed" else 0
                ),
            ),
        )

    def _finish(self, sid):
        """A hung-up "talking" call: the person's leg completes, then the
        ``<Dial action>`` and the operator's leg."""
        base, status_url, clock, dial, leg, _leg_sid, times = self.live[sid]
        self.post(
            dial.find("Number").get("statusCallback"),
            dict(
                leg,
                CallStatus="completed",
                CallDuration=str(self.talk_seconds),
                Timestamp=format_datetime(times["completed"]),
            ),
        )
        if leg["CallSid"] in self.recording_starts:
            self._post_recording(leg["CallSid"], False)
        self._end_dial(sid, "completed")
        self._end_call(base, status_url, clock)
