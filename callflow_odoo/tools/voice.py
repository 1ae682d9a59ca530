"""Voice providers: TwiML, the click-to-call clients and the status merge.

Pure Python (no ORM), so that it is tested without a database. A client's
``place_call`` returns a :class:`PlaceResult`; it never places a call twice:
every attempt carries an idempotency key, and a request is sent again only
when the provider says the call was not created (the connection was refused
before anything was sent, or HTTP 429/503 without a call SID). A timeout
after sending is not retried: the call may exist, the operator is told to
check the provider.
"""

import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape, quoteattr

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from odoo.tools import SQL

PLACED, FAILED, UNKNOWN = "placed", "failed", "unknown"

VOICE_PROVIDERS = [
    ("manual", "Manual (tel: link)"),
    ("twilio", "Twilio-compatible Voice API"),
    ("http", "Generic HTTP click-to-call"),
]
TWILIO_BASE_URL = "https://api.twilio.com"

# Provider differences, in one table: the path of the Calls resource under
# the base URL and the idempotency header. SignalWire's LaML answers under
# https://<space>.signalwire.com/api/laml with the same path.
PROVIDERS = {
    "twilio": {
        "calls_path": "/2010-04-01/Accounts/{sid}/Calls.json",
        "recordings_path": "/2010-04-01/Accounts/{sid}/Recordings/{rec}.{ext}",
        "idempotency_header": "I-Twilio-Idempotency-Token",
    },
    "http": {"idempotency_header": "Idempotency-Key"},
}
STATUS_EVENTS = "initiated ringing answered completed"
# The help of the lists' power mode fields: power_mode, wrap_up_seconds,
# ring_timeout_seconds (callflow.list).
POWER_HELP = (
    (
        "After Log result, call the next person by itself once the wrap-up "
        "time is over (a countdown the operator can pause). Never predictive: "
        "the provider rings the operator first, and the person only once the "
        "operator is on the line."
    ),
    "Power mode: seconds between Log result and the next call.",
    "Seconds a phone rings before the call logs No answer by itself.",
)

# Voice states, in the order a call lives them; every final state has the
# same rank, so that a late callback never moves a call out of it.
VOICE_STATES = [
    ("queued", "Queued"),
    ("initiated", "Calling the operator"),
    ("ringing", "Ringing the person"),
    ("in_progress", "In call"),
    ("completed", "Completed"),
    ("busy", "Busy"),
    ("no_answer", "No answer"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
]
FINAL_STATES = ("completed", "busy", "no_answer", "failed", "canceled")
RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in_progress": 3}
RANK.update(dict.fromkeys(FINAL_STATES, 4))
# Provider CallStatus (Twilio words, generic gateways asked to use the same)
# -> voice state.
CALL_STATUS = {
    "queued": "queued",
    "initiated": "initiated",
    "ringing": "ringing",
    "answered": "in_progress",
    "in-progress": "in_progress",
    "in_progress": "in_progress",
    "completed": "completed",
    "busy": "busy",
    "no-answer": "no_answer",
    "no_answer": "no_answer",
    "failed": "failed",
    "canceled": "canceled",
}
# The call's fields merge_status reads and writes.
MERGED_FIELDS = (
    "voice_state",
    "ring_date",
    "answer_date",
    "hangup_date",
    "talk_seconds",
    "ring_seconds",
    "answered_by",
)
# Outcome logged by itself -> the default result's XML id.
DEFAULT_RESULTS = {
    "no_answer": "callflow_odoo.call_result_no_answer",
    "busy": "callflow_odoo.call_result_busy",
    "voicemail": "callflow_odoo.call_result_voicemail",
    "failed": "callflow_odoo.call_result_failed_technical",
}
# Final voice state -> the outcome logged by itself (the person not reached).
UNREACHED_OUTCOMES = {"busy": "busy", "no_answer": "no_answer", "failed": "failed"}


class PlaceResult(NamedTuple):
    """``state``: ``placed`` (``sid`` is the provider's call id), ``failed``
    (no call exists) or ``unknown`` (a call may exist: check the provider)."""

    state: str
    sid: str = ""
    message: str = ""


# ----------------------------------------------------------------------
# TwiML
# ----------------------------------------------------------------------
def _response(*verbs):
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        + "".join(verbs)
        + ("</Response>")
    )


def _say(text, language):
    return f"<Say language={quoteattr(language or 'en-US')}>{escape(text)}</Say>"


def twiml_dial(
    whisper,
    language,
    caller_id,
    number,
    timeout,
    action_url,
    status_url,
    announce_url=None,
):
    """The operator's leg once answered: whisper who is being called, then
    dial the person from the published number, with status callbacks on the
    person's leg. Every value is XML-escaped.

    With ``announce_url`` the call is recorded: ``<Number url>`` runs on the
    person's end after they answer, before the parties are connected; it
    says the announcement and redirects to Callflow, which starts the
    recording only then (``start_recording``). No ``record`` attribute:
    Twilio does not promise that ``record-from-answer`` leaves the
    ``<Number url>`` TwiML out of the recording."""
    url = f" url={quoteattr(announce_url)}" if announce_url else ""
    dial = (
        f"<Dial callerId={quoteattr(caller_id)} timeout={quoteattr(str(int(timeout)))}"
        f" action={quoteattr(action_url)}>"
        f"<Number{url} statusCallback={quoteattr(status_url)}"
        f' statusCallbackEvent="{STATUS_EVENTS}">{escape(number)}</Number></Dial>'
    )
    return _response(_say(whisper, language) if whisper else "", dial)


def twiml_announce(text, language, announced_url):
    """The person's end once they answer (``<Number url>``): the recording
    announcement, then Callflow's ``announced`` URL, which starts the
    recording and lets the parties be connected."""
    return _response(
        _say(text, language),
        f'<Redirect method="POST">{escape(announced_url)}</Redirect>',
    )


def twiml_empty():
    """Nothing more to do: ends a ``<Number url>`` TwiML, so that the
    parties are connected."""
    return _response()


def twiml_say(text, language):
    """Only a spoken text: the recording announcement the person hears."""
    return _response(_say(text, language))


def twiml_refusal(reason, language):
    """The spoken reason, then the end of the call: the person's phone never
    rings."""
    return _response(_say(reason, language), "<Hangup/>")


# ----------------------------------------------------------------------
# Clients
# ----------------------------------------------------------------------
def _not_sent(error):
    """Whether a requests error proves that nothing reached the provider:
    the TCP connection itself was refused or timed out."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


class VoiceClient:
    """Base class: timeouts, bounded retries, one idempotency key."""

    kind = "base"

    def __init__(
        self, config, connect_timeout=5.0, read_timeout=15.0, max_retries=2, backoff=0.5
    ):
        self.config = config
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.backoff = backoff

    def _request(self, session, key, call):
        raise NotImplementedError

    def _sid(self, payload):
        raise NotImplementedError

    @staticmethod
    def _json(response):
        try:
            payload = response.json()
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _error_text(self, response, payload):
        text = ""
        if payload:
            text = payload.get("message") or payload.get("error") or ""
            if payload.get("code"):
                text = f"{payload['code']}: {text}"
        return f"HTTP {response.status_code}: {text or response.text[:200]}"

    def place_call(self, key, call):
        """Ask the provider for the call described by ``call`` (a dict, see
        the subclasses), with ``key`` as idempotency key."""
        with requests.Session() as session:
            for attempt in range(self.max_retries + 1):
                if attempt:
                    time.sleep(min(self.backoff * 2 ** (attempt - 1), 10))
                try:
                    response = self._request(session, key, call)
                except requests.RequestException as e:
                    if _not_sent(e) and attempt < self.max_retries:
                        continue
                    if _not_sent(e):
                        return PlaceResult(FAILED, message=f"Provider unreachable: {e}")
                    return PlaceResult(
                        UNKNOWN,
                        message=f"No answer from the provider ({e}): the call "
                        "may have been placed, check the provider.",
                    )
                except ValueError as e:  # a malformed template or URL
                    return PlaceResult(FAILED, message=f"Invalid request: {e}")
                payload = self._json(response)
                sid = self._sid(payload) if payload else ""
                if response.ok:
                    if sid:
                        return PlaceResult(PLACED, sid)
                    return PlaceResult(
                        UNKNOWN,
                        message="The provider accepted the call without a call "
                        "id: check the provider.",
                    )
                busy = response.status_code in (429, 503) and not sid
                if busy and attempt < self.max_retries:
                    continue  # the provider says no call was created
                return PlaceResult(FAILED, message=self._error_text(response, payload))
        return PlaceResult(FAILED, message="Provider busy")  # pragma: no cover


class TwilioVoiceClient(VoiceClient):
    """Twilio-compatible REST API (Twilio, SignalWire LaML, Telnyx TeXML):
    ``call`` has ``from_number``, ``to``, ``url``, ``status_callback`` and
    ``timeout`` (seconds the operator's phone rings)."""

    kind = "twilio"

    def calls_url(self):
        cfg = self.config
        base = (cfg.get("base_url") or "https://api.twilio.com").rstrip("/")
        return base + PROVIDERS["twilio"]["calls_path"].format(
            sid=quote(cfg.get("account_sid") or "", safe="")
        )

    def _request(self, session, key, call):
        cfg = self.config
        data = {
            "From": call["from_number"],
            "To": call["to"],
            "Url": call["url"],
            "Method": "POST",
            "StatusCallback": call["status_callback"],
            "StatusCallbackMethod": "POST",
            "StatusCallbackEvent": STATUS_EVENTS,
            "Timeout": str(int(call.get("timeout") or 25)),
        }
        return session.post(
            self.calls_url(),
            data=data,
            auth=(cfg.get("account_sid") or "", cfg.get("auth_token") or ""),
            headers={PROVIDERS["twilio"]["idempotency_header"]: key},
            timeout=self.timeout,
            allow_redirects=False,
        )

    def _sid(self, payload):
        sid = payload.get("sid")
        return sid if isinstance(sid, str) else ""

    def recording_url(self, recording_sid, ext="json"):
        """The Recording resource: ``.json`` to delete it, ``.mp3`` for the
        audio. Built from the settings, so that the credentials only ever
        go to the configured provider."""
        cfg = self.config
        base = (cfg.get("base_url") or TWILIO_BASE_URL).rstrip("/")
        path = PROVIDERS["twilio"]["recordings_path"].format(
            sid=quote(cfg.get("account_sid") or "", safe=""),
            rec=quote(recording_sid, safe=""),
            ext=ext,
        )
        return base + path

    def auth(self):
        cfg = self.config
        return (cfg.get("account_sid") or "", cfg.get("auth_token") or "")

    def delete_recording(self, recording_sid):
        """Delete a recording at the provider: '' when it is gone (deleted
        now, or already: 404), else the error to log (kept for next time)."""
        return self._provider_request(
            "delete", self.recording_url(recording_sid), ok=(200, 204, 404)
        )

    def hangup_url(self, sid):
        """The call resource ``…/Calls/{sid}.json`` of the provider's call."""
        return self.calls_url()[: -len(".json")] + f"/{quote(sid, safe='')}.json"

    def hangup(self, sid, reference=""):
        """Ask the provider to end the call ``sid`` (``Status=completed``);
        the end itself arrives as the usual status callback. Returns an
        error message, empty when the provider accepted."""
        return self._provider_request(
            "post", self.hangup_url(sid), data={"Status": "completed"}
        )

    def start_recording(self, call_sid, callback_url):
        """Start recording the call leg ``call_sid`` (both channels), the
        provider posting the finished recording to ``callback_url``.
        Returns an error message, empty when the provider accepted."""
        url = self.calls_url()[: -len(".json")] + (
            f"/{quote(call_sid, safe='')}/Recordings.json"
        )
        return self._provider_request(
            "post",
            url,
            data={
                "RecordingStatusCallback": callback_url,
                "RecordingStatusCallbackMethod": "POST",
                "RecordingStatusCallbackEvent": "completed",
                "RecordingChannels": "dual",
            },
        )

    def _provider_request(self, method, url, ok=None, **kwargs):
        """One authenticated request on a call or recording resource: ''
        when the provider answered one of ``ok`` (any 2xx by default), else
        the error text."""
        try:
            response = requests.request(
                method,
                url,
                auth=self.auth(),
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as e:
            return f"Provider unreachable: {e}"
        if response.status_code in ok if ok else response.ok:
            return ""
        return self._error_text(response, self._json(response))


class HttpClickToCall(VoiceClient):
    """A PBX's HTTP click-to-call API (Asterisk, 3CX…): a POST to a URL
    template with ``{operator}``, ``{number}``, ``{caller_id}`` and
    ``{reference}`` (our idempotency key, echoed in its status webhook);
    ``call`` has ``operator``, ``number`` and ``caller_id``."""

    kind = "http"

    def url(self, key, call):
        values = {
            "operator": call["operator"],
            "number": call["number"],
            "caller_id": call["caller_id"],
            "reference": key,
            "record": call.get("record") or "0",
            "announcement": call.get("announcement") or "",
        }
        return self._format(self.config.get("url_template"), values)

    @staticmethod
    def _format(template, values):
        """``template`` with its placeholders replaced by the URL-encoded
        ``values``."""
        template = template or ""
        if not template.startswith(("http://", "https://")):
            raise ValueError("the URL template must start with http:// or https://")
        return template.format_map(
            {k: quote(str(v), safe="") for k, v in values.items()}
        )

    def _headers(self):
        """The configured authentication header, as a dict."""
        name, _sep, value = (self.config.get("auth_header") or "").partition(":")
        return {name.strip(): value.strip()} if name.strip() else {}

    def _request(self, session, key, call):
        headers = {
            PROVIDERS["http"]["idempotency_header"]: key,
            "Content-Type": "application/json",
        }
        headers.update(self._headers())
        body = json.dumps(
            {
                "operator": call["operator"],
                "number": call["number"],
                "caller_id": call["caller_id"],
                "reference": key,
            }
        )
        return session.post(
            self.url(key, call),
            data=body.encode(),
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,
        )

    def _sid(self, payload):
        sid = payload.get("id") or payload.get("call_id") or payload.get("sid")
        return str(sid) if isinstance(sid, (str, int)) and sid != "" else ""

    def hangup(self, sid, reference=""):
        """POST the hang-up URL template (``{id}``: the PBX's call id,
        ``{reference}``: Callflow's): '' when the PBX accepted, else the
        error text. Callers check that a template is set."""
        try:
            url = self._format(
                self.config.get("hangup_template"),
                {"id": sid or "", "reference": reference or ""},
            )
        except (ValueError, KeyError) as e:
            return f"Invalid hang-up URL: {e}"
        return self._send("post", url)

    def delete_recording(self, recording_id):
        """DELETE the recording deletion URL template (``{recording_id}``):
        '' when the recording is gone (deleted now, or already: 404), else
        the error to log (kept for the next run)."""
        try:
            url = self._format(
                self.config.get("recording_delete_template"),
                {"recording_id": recording_id},
            )
        except (ValueError, KeyError) as e:
            return f"Invalid recording deletion URL: {e}"
        return self._send("delete", url, ok=(200, 202, 204, 404))

    def recording_headers(self, url):
        """The headers to fetch a recording at ``url``: the authentication
        header only when ``url`` is on the click-to-call URL's host, so
        that it never leaves for another server."""
        pbx = urlsplit(self.config.get("url_template") or "")
        target = urlsplit(url or "")
        same = (pbx.scheme, pbx.netloc) == (target.scheme, target.netloc)
        return self._headers() if same and pbx.netloc else {}

    def _send(self, method, url, ok=None):
        """One authenticated request to the PBX, with the timeouts and the
        bounded retries of ``place_call`` (only when the PBX says nothing
        was done: connection refused, or 429/503): '' when it answered one
        of ``ok`` (any 2xx by default), else the error text."""
        error = "PBX busy"
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 10))
            try:
                response = requests.request(
                    method,
                    url,
                    headers=self._headers(),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as e:
                error = f"PBX unreachable: {e}"
                if _not_sent(e):
                    continue
                return error
            if response.status_code in ok if ok else response.ok:
                return ""
            error = self._error_text(response, self._json(response))
            if response.status_code not in (429, 503):
                return error
        return error


CLIENTS = {"twilio": TwilioVoiceClient, "http": HttpClickToCall}


# ----------------------------------------------------------------------
# Status callbacks
# ----------------------------------------------------------------------
def parse_timestamp(value):
    """A callback's time (RFC 2822 as Twilio sends it, ISO 8601 or Unix
    seconds) as naive UTC, or None."""
    if not value or not isinstance(value, (str, int, float)):
        return None
    try:
        if isinstance(value, (int, float)) or value.isdigit():
            moment = datetime.fromtimestamp(int(value), timezone.utc)
        elif "," in value:
            moment = parsedate_to_datetime(value)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, TypeError, OverflowError, OSError):
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _seconds(value):
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < 86400 else None


def merge_status(current, status, at, duration=None, answered_by=None):
    """The changes one status callback of the person's leg makes to a call.

    ``current`` holds the call's ``voice_state``, ``ring_date``,
    ``answer_date``, ``hangup_date``, ``talk_seconds`` and ``answered_by``;
    ``status`` is a provider CallStatus, ``at`` the callback's time (naive
    UTC), ``duration`` its CallDuration. The state only moves forward (a
    late ``answered`` keeps ``completed``), and a time is only filled when
    missing, so the same callback twice changes nothing.
    """
    state = CALL_STATUS.get((status or "").lower())
    if not state:
        return {}
    changes = {}
    old = current.get("voice_state") or "queued"
    if RANK[state] > RANK[old]:
        changes["voice_state"] = state
    duration = _seconds(duration)

    def fill(key, value):
        if value and not current.get(key) and key not in changes:
            changes[key] = value

    if state == "ringing":
        fill("ring_date", at)
    elif state == "in_progress":
        fill("answer_date", at)
    elif state in FINAL_STATES:
        fill("hangup_date", at)
        if state == "completed" and duration:
            fill("talk_seconds", duration)
            # "completed" before "answered": the answer time from the end.
            end = current.get("hangup_date") or at
            fill("answer_date", end and end - timedelta(seconds=duration))
    if answered_by and not current.get("answered_by"):
        changes["answered_by"] = answered_by[:32]
    ring = current.get("ring_date") or changes.get("ring_date")
    answer = current.get("answer_date") or changes.get("answer_date")
    end = current.get("hangup_date") or changes.get("hangup_date")
    # The end may have come first (``no-answer`` before ``ringing``).
    stop = answer or end
    if ring and stop and not current.get("ring_seconds"):
        changes["ring_seconds"] = max(int((stop - ring).total_seconds()), 0)
    return changes


def unreached_outcome(state, answered_by):
    """The outcome a final state logs by itself, or None for a conversation
    the operator logs: a machine that answered is voicemail."""
    if (answered_by or "").startswith(("machine", "fax")):
        return "voicemail"
    return UNREACHED_OUTCOMES.get(state)


def operator_leg_state(current, state, person_leg=False):
    """The call's new state from a status of the operator's leg, or None
    when it changes nothing: the operator's phone rings (initiated), or the
    operator's leg ended before the person's leg began (``person_leg``
    False): canceled, no attempt on the person, whatever the final status
    (``completed`` too: the operator hung up before the dial). Once the
    person's leg exists, its own callbacks say how the call ended."""
    if state in ("initiated", "ringing") and current == "queued":
        return "initiated"
    if state in FINAL_STATES and current in ("queued", "initiated") and not person_leg:
        return "canceled"
    return None


def outcome_to_log(was_final, state, answered_by, reported_by, logged):
    """The outcome to log by itself after a status, or None: when the call
    just ended unreached (busy, no answer, failed, a machine), or when the
    callback reports (``reported_by``) a machine after the end. Never over
    a logged result. ``answered_by`` is the call's, after the merge."""
    if logged or state not in FINAL_STATES:
        return None
    outcome = unreached_outcome(state, answered_by)
    if not was_final:
        return outcome
    return outcome if reported_by and outcome == "voicemail" else None


def handling_minutes(start, end):
    """Minutes from ``start`` to ``end``, never negative."""
    return max((end - start).total_seconds() / 60.0, 0.0)


def lockable_columns(fields):
    """The fields read with a call's row lock: plain stored columns (no
    translations, binaries, company-dependent or group-restricted fields,
    which Odoo reads its own way), so the lock reads what a callback uses."""
    return [
        field
        for field in fields
        if field.store
        and field.column_type
        and field.name != "id"
        and not field.translate
        and not field.company_dependent
        and not field.groups
        and field.type != "binary"
    ]


def lock_call_sql(columns, call_id):
    """Lock a call's row and read its ``columns`` and its user's partner."""
    return SQL(
        "SELECT %s, (SELECT partner_id FROM res_users WHERE id = user_id)"
        " FROM callflow_call WHERE id = %s FOR UPDATE OF callflow_call",
        SQL(", ").join(SQL.identifier(field.name) for field in columns),
        call_id,
    )
