import json
import logging
import re

import requests

from odoo import http
from odoo.http import request

from ..tools import signatures, voice
from .webhooks import webhook_route

_logger = logging.getLogger(__name__)

SID_RE = re.compile(r"^[\w.:-]{1,64}$")
TWIML_HANGUP = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>'
# A status callback is a few hundred bytes of form fields.
MAX_BODY = 16 * 1024


def voice_route(path):
    """A voice provider callback (see ``webhook_route``)."""
    return webhook_route(path, MAX_BODY)


class CallflowVoice(http.Controller):
    """Voice provider callbacks: authenticate, then hand over to
    ``callflow.voice`` (the logic lives there and in tools/voice.py)."""

    def _forbid(self, reason):
        """403 with one plain text for every cause."""
        _logger.warning(
            "Voice callback %s refused: %s", request.httprequest.path, reason
        )
        return request.make_response(
            "Forbidden", [("Content-Type", "text/plain")], status=403
        )

    def _twilio_call(self, call_id):
        """The call of a signed Twilio-compatible callback, or None."""
        # sudo: the provider is no Odoo user; the signature and the call's
        # own token authenticate it.
        Voice = request.env["callflow.voice"].sudo()
        config = Voice._config()
        if config["provider"] != "twilio":
            return None
        params = request.httprequest.form.to_dict()
        if not signatures.verify_twilio_signature(
            request.httprequest.url,
            params,
            config["auth_token"],
            request.httprequest.headers.get("X-Twilio-Signature"),
        ):
            return None
        # One statement checks the call exists and reads what is checked.
        call = (
            request.env["callflow.call"]
            .sudo()
            .search_fetch(
                [("id", "=", call_id)], ["voice_provider", "voice_token_hash"]
            )
        )
        token = request.httprequest.args.get("t")
        if (
            not call
            or call.voice_provider != "twilio"
            or not Voice._check_token(call, token)
        ):
            return None
        return call, token

    @voice_route("/callflow/voice/twiml/<int:call_id>")
    def twiml(self, call_id, **kw):
        call, token = self._twilio_call(call_id) or (None, None)
        if not call:
            return self._forbid("signature or token")
        return request.make_response(
            request.env["callflow.voice"].sudo()._twiml(call, token),
            [("Content-Type", "text/xml; charset=utf-8")],
        )

    @voice_route("/callflow/voice/status/<int:call_id>")
    def status(self, call_id, **kw):
        call, _token = self._twilio_call(call_id) or (None, None)
        if not call:
            return self._forbid("signature or token")
        leg = request.httprequest.args.get("leg")
        if leg == "dial":
            # <Dial action>: the person's leg is over; the operator's ends.
            status = kw.get("DialCallStatus")
            duration, sid = kw.get("DialCallDuration"), kw.get("DialCallSid")
        else:
            status, duration, sid = (
                kw.get("CallStatus"),
                kw.get("CallDuration"),
                kw.get("CallSid"),
            )
        if leg not in ("operator", "person", "dial") or (
            (status or "").lower() not in voice.CALL_STATUS
        ):
            return request.make_response("Bad parameters", status=400)
        # sudo: as above, the provider is authenticated by the signature.
        request.env["callflow.voice"].sudo()._apply_status_read_committed(
            call.id,
            "operator" if leg == "operator" else "person",
            status,
            at=voice.parse_timestamp(kw.get("Timestamp")),
            duration=duration,
            answered_by=kw.get("AnsweredBy"),
            sid=sid if sid and SID_RE.match(sid) else None,
        )
        if leg == "dial":
            return request.make_response(
                TWIML_HANGUP, [("Content-Type", "text/xml; charset=utf-8")]
            )
        return request.make_response("", status=204)

    @voice_route("/callflow/voice/http/status")
    def http_status(self, **kw):
        """A PBX's status webhook, signed like the SMS generic gateway's:
        JSON ``{"reference", "id", "status", "duration", "answered_by",
        "timestamp"}``, and optionally ``"recording_id", "recording_url",
        "recording_duration"`` once the call's recording is ready."""
        # sudo: the PBX is no Odoo user; the HMAC signature authenticates it.
        Voice = request.env["callflow.voice"].sudo()
        config = Voice._config()
        if config["provider"] != "http":
            return self._forbid("provider not enabled")
        body = request.httprequest.get_data()
        headers = request.httprequest.headers
        problem = signatures.verify_webhook(
            config["secret"],
            body,
            headers.get("X-Callflow-Timestamp"),
            headers.get("X-Callflow-Signature"),
        )
        if problem:
            return self._forbid(problem)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return request.make_response("Malformed JSON", status=400)
        reference, ref_id, status = (
            payload.get("reference"),
            payload.get("id"),
            payload.get("status"),
        )
        if not (
            isinstance(status, str)
            and status.lower() in voice.CALL_STATUS
            and (isinstance(reference, str) or isinstance(ref_id, str))
        ):
            return request.make_response("Bad parameters", status=400)
        domain = (
            [("voice_key", "=", reference)]
            if isinstance(reference, str) and reference
            else [("provider_call_sid", "=", ref_id)]
        )
        call = (
            request.env["callflow.call"]
            .sudo()
            .search(domain + [("voice_provider", "=", "http")], limit=1)
        )
        if not call:
            return request.make_response("Unknown call", status=404)
        recording = self._http_recording(payload)
        if recording is False:
            return request.make_response("Bad parameters", status=400)
        Voice._apply_status_read_committed(
            call.id,
            "person",
            status,
            at=voice.parse_timestamp(payload.get("timestamp")),
            duration=payload.get("duration"),
            answered_by=payload.get("answered_by")
            if isinstance(payload.get("answered_by"), str)
            else None,
        )
        if recording:
            # sudo: as above, the PBX is authenticated by the signature.
            request.env["callflow.voice.recording"].sudo()._apply_http_recording(
                call, *recording
            )
        return request.make_response("", status=204)

    @staticmethod
    def _http_recording(payload):
        """A PBX webhook's optional recording: ``(recording_id, url,
        duration)``, None without one, False when malformed (an http(s) URL
        of at most 512 characters, an id like a SID, whole seconds)."""
        rec_id = payload.get("recording_id")
        url = payload.get("recording_url")
        duration = payload.get("recording_duration")
        if rec_id is None and url is None:
            return None
        if isinstance(rec_id, int) and not isinstance(rec_id, bool):
            rec_id = str(rec_id)
        if rec_id is not None and not (
            isinstance(rec_id, str) and SID_RE.match(rec_id)
        ):
            return False
        if url is not None and not (
            isinstance(url, str)
            and url.startswith(("http://", "https://"))
            and len(url) <= 512
        ):
            return False
        if duration is not None and (
            not isinstance(duration, int) or isinstance(duration, bool) or duration < 0
        ):
            return False
        return rec_id, url, duration

    # ------------------------------------------------------------------
    # Recording (lists that record)
    # ------------------------------------------------------------------
    @voice_route("/callflow/voice/announce/<int:call_id>")
    def announce(self, call_id, **kw):
        """``<Number url>``: the announcement the person hears when they
        answer, before the parties are connected and the recording starts."""
        call, token = self._twilio_call(call_id) or (None, None)
        if not call:
            return self._forbid("signature or token")
        # sudo: the provider is authenticated by the signature.
        twiml = (
            request.env["callflow.voice.recording"]
            .sudo()
            ._announcement_twiml(call, token)
        )
        return request.make_response(
            twiml, [("Content-Type", "text/xml; charset=utf-8")]
        )

    @voice_route("/callflow/voice/announced/<int:call_id>")
    def announced(self, call_id, **kw):
        """The announcement's ``<Redirect>``: the person heard it, so the
        recording of their leg starts now; the empty TwiML that follows
        ends ``<Number url>`` and the parties are connected."""
        call, token = self._twilio_call(call_id) or (None, None)
        if not call:
            return self._forbid("signature or token")
        sid = kw.get("CallSid")
        if not (sid and SID_RE.match(sid)):
            return request.make_response("Bad parameters", status=400)
        # sudo: the provider is authenticated by the signature.
        request.env["callflow.voice.recording"].sudo()._start_recording(
            call, sid, token
        )
        return request.make_response(
            voice.twiml_empty(), [("Content-Type", "text/xml; charset=utf-8")]
        )

    @voice_route("/callflow/voice/recorded/<int:call_id>")
    def recorded(self, call_id, **kw):
        """``RecordingStatusCallback`` (see ``announced``): the recording
        lands on the call."""
        call, _token = self._twilio_call(call_id) or (None, None)
        if not call:
            return self._forbid("signature or token")
        sid = kw.get("RecordingSid")
        if not (sid and SID_RE.match(sid)):
            return request.make_response("Bad parameters", status=400)
        # sudo: as above.
        request.env["callflow.voice.recording"].sudo()._apply_recording(
            call,
            sid,
            kw.get("RecordingUrl"),
            kw.get("RecordingDuration"),
            kw.get("RecordingStatus"),
        )
        return request.make_response("", status=204)

    @http.route(
        "/callflow/voice/recording/<int:call_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def recording(self, call_id, **kw):
        """The recording's audio for the call form's player, managers only:
        fetched from the provider with its credentials, which never reach
        the browser."""
        if not request.env.user.has_group("callflow_odoo.group_callflow_manager"):
            return request.not_found()
        call = request.env["callflow.call"].browse(call_id).exists()
        sid = call.recording_sid if call else False  # record rules apply
        if not sid:
            return request.not_found()
        # sudo: the credentials are system parameters, used server-side only.
        config = request.env["callflow.voice"].sudo()._config()
        if call.voice_provider == "http":
            return self._pbx_recording(call, config)
        client = voice.TwilioVoiceClient(config)
        try:
            response = requests.get(
                client.recording_url(sid, "mp3"),
                auth=client.auth(),
                timeout=client.timeout,
                allow_redirects=True,
            )
        except requests.RequestException as e:
            _logger.warning("Recording %s not fetched: %s", sid, e)
            response = None
        if response is None or not response.ok:
            return request.make_response("Recording unavailable", status=502)
        return request.make_response(
            response.content,
            [("Content-Type", "audio/mpeg"), ("Cache-Control", "private, no-store")],
        )

    def _pbx_recording(self, call, config):
        """A PBX's recording, from the URL its signed webhook gave; the
        authentication header goes only to the PBX's own host."""
        client = voice.HttpClickToCall(config)
        url = call.recording_url
        try:
            response = requests.get(
                url,
                headers=client.recording_headers(url),
                timeout=client.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as e:
            _logger.warning("Recording of call %s not fetched: %s", call.id, e)
            response = None
        if response is None or not response.ok:
            return request.make_response("Recording unavailable", status=502)
        kind = response.headers.get("Content-Type", "")
        return request.make_response(
            response.content,
            [
                ("Content-Type", kind if kind.startswith("audio/") else "audio/mpeg"),
                ("Cache-Control", "private, no-store"),
            ],
        )
