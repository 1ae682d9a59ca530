import logging
import re

from odoo import http
from odoo.http import request

from ..tools import signatures
from .voice import CallflowVoice, voice_route

_logger = logging.getLogger(__name__)

SID_RE = re.compile(r"^[\w.:-]{1,64}$")
XML = [("Content-Type", "text/xml; charset=utf-8")]


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class CallflowInboundVoice(http.Controller):
    """Calls ringing the published numbers through the Twilio-compatible
    provider. The number's voice URL is ``/callflow/voice/inbound``, signed
    with the account's auth token; the follow-up URLs Callflow gives in its
    TwiML carry the call's token too. The logic is in
    ``callflow.inbound.voice``."""

    def _forbid(self, reason):
        return CallflowVoice._forbid(self, reason)

    def _signed(self):
        """Whether the request is signed by the configured provider."""
        # sudo: the provider is no Odoo user; the signature authenticates it.
        config = request.env["callflow.voice"].sudo()._config()
        return config["provider"] == "twilio" and signatures.verify_twilio_signature(
            request.httprequest.url,
            request.httprequest.form.to_dict(),
            config["auth_token"],
            request.httprequest.headers.get("X-Twilio-Signature"),
        )

    def _call(self, call_id):
        """The inbound call of a signed follow-up request with its token."""
        call, token = CallflowVoice._twilio_call(self, call_id) or (None, None)
        if call and call.direction != "inbound":
            return None, None
        return call, token

    @voice_route("/callflow/voice/inbound")
    def inbound(self, **kw):
        """The voice URL of the published numbers: a call rings."""
        if not self._signed():
            return self._forbid("signature")
        sid = kw.get("CallSid")
        if not (sid and SID_RE.match(sid)):
            return request.make_response("Bad parameters", status=400)
        # sudo: as above; the service reads contacts and logs the call.
        twiml = request.env["callflow.inbound.voice"].sudo()._incoming(kw)
        return request.make_response(twiml, XML)

    @voice_route("/callflow/voice/inbound/next/<int:call_id>")
    def next_stage(self, call_id, **kw):
        """``<Dial action>`` / ``<Record action>``: the stage is over."""
        call, token = self._call(call_id)
        if not call:
            return self._forbid("signature or token")
        stage = _int(request.httprequest.args.get("stage"))
        if not SID_RE.match(kw.get("RecordingSid") or "-"):
            kw.pop("RecordingSid", None)
        # sudo: as above.
        twiml = (
            request.env["callflow.inbound.voice"]
            .sudo()
            ._next(call.sudo(), token, stage, kw)
        )
        return request.make_response(twiml, XML)

    @voice_route("/callflow/voice/inbound/status/<int:call_id>")
    def leg_status(self, call_id, **kw):
        """A rung phone's status: who answered, how long they talked."""
        call, _token = self._call(call_id)
        if not call:
            return self._forbid("signature or token")
        user_id = _int(request.httprequest.args.get("u"))
        # sudo: as above.
        request.env["callflow.inbound.voice"].sudo()._leg_status(
            call.sudo(), user_id, kw
        )
        return request.make_response("", status=204)

    @voice_route("/callflow/voice/inbound/recorded/<int:call_id>")
    def recorded(self, call_id, **kw):
        """``recordingStatusCallback``: the voicemail lands on the call."""
        call, _token = self._call(call_id)
        if not call:
            return self._forbid("signature or token")
        sid = kw.get("RecordingSid")
        if not (sid and SID_RE.match(sid)):
            return request.make_response("Bad parameters", status=400)
        # sudo: as above.
        request.env["callflow.inbound.voice"].sudo()._recorded(call.sudo(), kw)
        return request.make_response("", status=204)
