"""HTTP SMS gateways used instead of Odoo IAP when another provider is chosen.

Pure Python (no ORM): ``send_batch`` takes ``[(uuid, number, body)]`` and returns
one result dict per message: ``{"uuid", "state", "failure_type", "message",
"provider_id"}`` where state is ``sent`` (accepted by the provider), ``error``
(permanent: do not retry) or ``transient`` (leave queued for the next cron run).
Retries are done per pass over the batch with exponential backoff between
passes, so 10 % failing requests cost a few backoff sleeps, not one per message.
The sms uuid is sent as idempotency key so a retry never delivers twice.
"""

import json
import logging
import re
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

from odoo.addons.callflow_optout.tools.links import OPTOUT_PATH

_logger = logging.getLogger(__name__)

SENT, ERROR, TRANSIENT = "sent", "error", "transient"

# Twilio error codes (https://www.twilio.com/docs/api/errors)
TWILIO_NUMBER_CODES = {21211, 21214, 21217, 21401, 21407, 21421, 21614}
TWILIO_ACCOUNT_CODES = {20003, 20005, 20008, 21606}
TWILIO_CREDIT_CODES = {20005, 21452}


class SmsGateway:
    """Base class: a session per batch, timeouts, bounded retries."""

    name = "base"

    def __init__(
        self,
        config,
        connect_timeout=5.0,
        read_timeout=10.0,
        max_retries=3,
        backoff=0.5,
        workers=4,
    ):
        self.config = config
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.backoff = backoff
        self.workers = max(1, workers)

    # -- to implement -------------------------------------------------------
    def _request(self, session, uuid, number, body):
        raise NotImplementedError

    def _parse(self, response):
        """Map an HTTP response to (state, failure_type, message, provider_id)."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------
    def _post(self, session, url, **kwargs):
        """POST to the provider with the gateway's timeouts; a redirect is an
        answer, not followed."""
        return session.post(url, timeout=self.timeout, allow_redirects=False, **kwargs)

    @staticmethod
    def _json(response):
        """The provider's answer as JSON, or None when it is not JSON."""
        try:
            return response.json()
        except ValueError:
            return None

    def _send_one(self, session, message):
        uuid, number, body = message
        try:
            response = self._request(session, uuid, number, body)
        except (requests.Timeout, requests.ConnectionError) as e:
            return self._result(uuid, TRANSIENT, "sms_server", str(e))
        except requests.RequestException as e:
            return self._result(uuid, ERROR, "sms_server", str(e))
        except ValueError as e:  # e.g. a body template that is not JSON
            return self._result(uuid, ERROR, "sms_server", f"Invalid request: {e}")
        if 300 <= response.status_code < 400:
            # Following it would hand our credentials to another address.
            return self._result(
                uuid,
                ERROR,
                "sms_server",
                f"HTTP {response.status_code}: the provider redirects to "
                f"{response.headers.get('Location') or '?'}; redirects are not "
                "followed with credentials. Enter the final URL in the settings.",
            )
        if response.status_code >= 500 or response.status_code == 429:
            return self._result(
                uuid,
                TRANSIENT,
                "sms_server",
                f"HTTP {response.status_code}: {response.text[:200]}",
            )
        state, failure_type, text, provider_id = self._parse(response)
        return self._result(uuid, state, failure_type, text, provider_id)

    @staticmethod
    def _result(uuid, state, failure_type=False, message=False, provider_id=False):
        return {
            "uuid": uuid,
            "state": state,
            "failure_type": failure_type if state != SENT else False,
            # A provider may echo the message: its link is kept masked.
            "message": mask_links(message) if message else False,
            "provider_id": provider_id or False,
        }

    def send_batch(self, messages):
        """Send ``[(uuid, number, body)]``; return one result per message."""
        results = {}
        pending = list(messages)
        with requests.Session() as session:
            adapter = HTTPAdapter(
                pool_connections=1, pool_maxsize=self.workers, max_retries=0
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            for attempt in range(self.max_retries + 1):
                if attempt:
                    time.sleep(min(self.backoff * 2 ** (attempt - 1), 30))
                if self.workers > 1 and len(pending) > 1:
                    with ThreadPoolExecutor(self.workers) as pool:
                        batch = list(
                            pool.map(lambda m: self._send_one(session, m), pending)
                        )
                else:
                    batch = [self._send_one(session, m) for m in pending]
                by_uuid = {m[0]: m for m in pending}
                pending = []
                for res in batch:
                    results[res["uuid"]] = res
                    if res["state"] == TRANSIENT:
                        pending.append(by_uuid[res["uuid"]])
                if not pending:
                    break
        return [results[m[0]] for m in messages]


class OutboxGateway(SmsGateway):
    """Stores only: every message is accepted, nothing leaves the database."""

    name = "outbox"

    def send_batch(self, messages):
        return [self._result(m[0], SENT) for m in messages]


class TwilioGateway(SmsGateway):
    """Twilio-compatible REST API: one form-encoded POST per message."""

    name = "twilio"

    def _request(self, session, uuid, number, body):
        cfg = self.config
        base = (cfg.get("base_url") or "https://api.twilio.com").rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{cfg['account_sid']}/Messages.json"
        data = {"To": number, "Body": body}
        if cfg.get("messaging_service_sid"):
            data["MessagingServiceSid"] = cfg["messaging_service_sid"]
        else:
            data["From"] = cfg.get("from_number") or ""
        if cfg.get("status_callback"):
            data["StatusCallback"] = f"{cfg['status_callback']}?uuid={uuid}"
        return self._post(
            session,
            url,
            data=data,
            auth=(cfg["account_sid"], cfg.get("auth_token") or ""),
            headers={"I-Twilio-Idempotency-Token": uuid},
        )

    def _parse(self, response):
        payload = self._json(response)
        if not isinstance(payload, dict):
            text = response.text[:200] or f"HTTP {response.status_code}"
            if response.ok:
                # Accepted by the provider but unreadable answer: do not resend.
                return SENT, False, f"Unreadable provider answer: {text}", False
            return ERROR, _status_failure(response.status_code), text, False
        if response.ok:
            return SENT, False, False, payload.get("sid")
        code = payload.get("code")
        text = payload.get("message") or response.reason
        text = f"{code}: {text}" if code else text
        if code in TWILIO_CREDIT_CODES:
            failure = "sms_credit"
        elif code in TWILIO_NUMBER_CODES:
            failure = "sms_number_format"
        elif code in TWILIO_ACCOUNT_CODES:
            failure = "sms_acc"
        else:
            failure = _status_failure(response.status_code)
        return ERROR, failure, text, False


class HttpJsonGateway(SmsGateway):
    """Generic JSON gateway: body template with {number} {body} {uuid}."""

    name = "http_json"
    DEFAULT_TEMPLATE = '{"to": {number}, "text": {body}, "reference": {uuid}}'

    def _request(self, session, uuid, number, body):
        cfg = self.config
        template = cfg.get("body_template") or self.DEFAULT_TEMPLATE
        payload = json_body(template, {"number": number, "body": body, "uuid": uuid})
        headers = {"Content-Type": "application/json", "Idempotency-Key": uuid}
        if cfg.get("auth_header_name"):
            headers[cfg["auth_header_name"]] = cfg.get("auth_header_value") or ""
        return self._post(session, cfg["url"], data=payload.encode(), headers=headers)

    def _parse(self, response):
        payload = self._json(response)
        text = False
        if isinstance(payload, dict):
            text = payload.get("error") or payload.get("message")
            if isinstance(text, dict):
                text = text.get("message") or json.dumps(text)
        if response.ok:
            if payload is None:
                text = f"Unreadable provider answer: {response.text[:200]}"
            provider_id = isinstance(payload, dict) and (
                payload.get("id") or payload.get("message_id")
            )
            return SENT, False, text, provider_id or False
        text = text or response.text[:200] or f"HTTP {response.status_code}"
        return ERROR, _status_failure(response.status_code, text), text, False


JSON_PLACEHOLDER_RE = re.compile(r'"\{(number|body|uuid)\}"|\{(number|body|uuid)\}')


def json_body(template, values):
    """The gateway's JSON body: each placeholder (quoted or not) becomes the
    JSON encoding of its value, in one pass, so quotes or ``{uuid}`` inside a
    message stay text. Raises ValueError when the template is not JSON."""
    payload = JSON_PLACEHOLDER_RE.sub(
        lambda m: json.dumps(values[m.group(1) or m.group(2)]), template
    )
    json.loads(payload)
    return payload


def _status_failure(status, text=""):
    """Failure type from an HTTP 4xx status (and message hints)."""
    lowered = (text or "").lower()
    if status in (401, 403):
        return "sms_acc"
    if status == 402 or "credit" in lowered or "balance" in lowered:
        return "sms_credit"
    if "number" in lowered or status == 422:
        return "sms_number_format"
    return "sms_server"


GATEWAYS = {
    "outbox": OutboxGateway,
    "twilio": TwilioGateway,
    "http_json": HttpJsonGateway,
}


# Provider delivery status -> sms.sms state (Twilio names; generic gateways
# are asked to use the same words).
DELIVERY_STATES = {
    "accepted": "pending",
    "queued": "pending",
    "sending": "pending",
    "sent": "pending",
    "delivered": "sent",
    "received": "sent",
    "read": "sent",
    "undelivered": "error",
    "failed": "error",
}

INBOUND_KEYWORDS = {
    "stop": "stop",
    "stopall": "stop",
    "unsubscribe": "stop",
    "cancel": "stop",
    "end": "stop",
    "quit": "stop",
    "optout": "stop",
    "停止": "stop",
    "配信停止": "stop",
    "送信停止": "stop",
    "配信解除": "stop",
    "ストップ": "stop",
    "中止": "stop",
    "やめて": "stop",
    "止めて": "stop",
    "help": "help",
    "info": "help",
    "ヘルプ": "help",
    "start": "start",
    "unstop": "start",
    "yes": "start",
    "再開": "start",
    "配信再開": "start",
}
# Politeness around a keyword that keeps it a keyword ("配信停止して",
# "STOP please"); anything else makes it an ordinary message for a person.
KEYWORD_PREFIXES = ("", "please", "pls")
KEYWORD_SUFFIXES = (
    "",
    "please",
    "pls",
    "して",
    "してください",
    "して下さい",
    "ください",
    "下さい",
    "します",
    "お願いします",
    "をお願いします",
    "でお願いします",
    "おねがいします",
    "をおねがいします",
)


def keyword_text(text):
    """Compare form of a message: NFKC (full width to ASCII, half-width kana
    to full width), case folded, without format characters (zero-width
    spaces), punctuation, symbols or spaces."""
    text = unicodedata.normalize("NFKC", text[:200]).casefold()
    return "".join(
        c for c in text if unicodedata.category(c)[0] not in ("C", "P", "S", "Z")
    )


def inbound_keyword(text):
    """Keyword kind of an inbound message (``stop``/``help``/``start``) or None.

    A message is a keyword when, once reduced by :func:`keyword_text`, it is
    a keyword with at most a polite word around it: "ＳＴＯＰ", "S\u200bTOP",
    "ストップ", "配信停止して" and "Stop please!" opt out; "don't stop calling"
    or "stop by tomorrow" do not, and go to a person instead.
    """
    if not isinstance(text, str):
        return None
    word = keyword_text(text)
    for prefix in KEYWORD_PREFIXES:
        if not word.startswith(prefix):
            continue
        rest = word[len(prefix) :]
        for suffix in KEYWORD_SUFFIXES:
            if suffix and not rest.endswith(suffix):
                continue
            kind = INBOUND_KEYWORDS.get(rest[: len(rest) - len(suffix)])
            if kind:
                return kind
    return None


# A personal link in a text, and the masked form kept everywhere but in the
# message handed to the provider: "/o/…Xy" (the token's last 2 characters).
CLEAR_LINK_RE = re.compile(
    re.escape(OPTOUT_PATH) + r"([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])"
)
MASKED_LINK_RE = re.compile(
    re.escape(OPTOUT_PATH) + r"…([A-Za-z0-9_-]{2})(?![A-Za-z0-9_-])"
)


def mask_token(raw_token):
    return f"{OPTOUT_PATH}…{raw_token[-2:]}"


def mask_links(text):
    """``text`` with every personal link masked."""
    if not isinstance(text, str):
        return text
    return CLEAR_LINK_RE.sub(lambda m: mask_token(m.group(1)), text)
