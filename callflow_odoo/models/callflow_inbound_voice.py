import hashlib
import hmac

from odoo import api, fields, models

from ..tools import inbound as routing
from ..tools import voice
from ..tools.phone import try_parse_number


class CallflowInboundVoice(models.AbstractModel):
    """Calls ringing a published number through the Twilio-compatible
    provider: who to ring (the operator who last spoke to the caller, the
    list's operators, the fallback), the TwiML of each stage, who answered,
    and the voicemail. Called as superuser by the signed webhooks
    (controllers/inbound.py): the provider is no Odoo user."""

    _name = "callflow.inbound.voice"
    _description = "Callflow inbound calls (voice provider)"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _published_number(self, to):
        """The published number ``to`` (any format) rings, or empty."""
        e164 = try_parse_number(to or "", self.env.company.country_id.code or None)[0]
        if not e164:
            return self.env["callflow.caller.number"]
        return self.env["callflow.caller.number"].search(
            [("number", "=", e164), ("is_published", "=", True)], limit=1
        )

    @api.model
    def _token(self, call):
        """The call's URL token: derived from the database secret, so that
        a replayed webhook answers the same URLs; only its hash is kept."""
        secret = self.env["ir.config_parameter"].get_param("database.secret") or ""
        message = f"callflow-inbound:{call.id}:{call.provider_call_sid or ''}"
        return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()

    @api.model
    def _url(self, call, kind, token, **query):
        url = f"{call.get_base_url()}/callflow/voice/inbound/{kind}/{call.id}?t={token}"
        return url + "".join(f"&{key}={value}" for key, value in query.items())

    @api.model
    def _language(self, call, partner=None):
        """The caller's language (their contact's, else the company's)."""
        partner = partner if partner is not None else call.partner_id
        return partner.lang or call.company_id.partner_id.lang or "en_US"

    @api.model
    def _spoken(self, lang):
        """(the environment speaking ``lang``, its TwiML language code)."""
        return self.with_context(lang=lang).env, lang.replace("_", "-")

    # ------------------------------------------------------------------
    # The routing
    # ------------------------------------------------------------------
    @api.model
    def _stages(self, company, match, call_list=None, call=None):
        """``{stage: [(user id or 0, target)]}``: who each stage rings,
        available users only, nobody twice; ``call``: the call routed (a
        replay or a later stage), whose own ringing keeps nobody busy."""
        last = match["last_user"]
        call_list = call_list if call_list is not None else match["entry"].list_id
        team = call_list.user_ids
        group = company.callflow_inbound_fallback_user_ids
        available = self.env["callflow.inbound"]._available(
            last | team | group, company, ignore_call=call
        )
        Voice = self.env["callflow.voice"]

        def targets(users):
            return [
                (user.id, Voice._ring_target(user))
                for user in users
                if user in available
            ]

        stages = {routing.STAGE_LAST: routing.ring_list(targets(last), limit=1)}
        rung = {uid for uid, _target in stages[routing.STAGE_LAST]}
        stages[routing.STAGE_LIST] = routing.ring_list(targets(team), exclude=rung)
        rung |= {uid for uid, _target in stages[routing.STAGE_LIST]}
        stages[routing.STAGE_FALLBACK] = routing.ring_list(
            [(0, company.callflow_inbound_fallback)] + targets(group), exclude=rung
        )
        return stages

    @api.model
    def _owner(self, called, match, rung):
        """Who the call belongs to until someone answers: the first user
        rung, else the last operator, the list's, the fallback group's or
        the number's first user."""
        Users = self.env["res.users"]
        first = Users.browse([uid for uid, _target in rung if uid][:1])
        return (
            first
            or match["last_user"]
            or match["entry"].list_id.user_ids[:1]
            or called.company_id.callflow_inbound_fallback_user_ids[:1]
            or called.user_ids[:1]
            or called.create_uid
        )

    @api.model
    def _incoming(self, params):
        """The webhook of a call ringing a published number: log it, pop
        the screens of the operators rung first, and answer the TwiML of
        the first stage."""
        called = self._published_number(params.get("To"))
        if not called:
            env, language = self._spoken(self.env.company.partner_id.lang or "en_US")
            return voice.twiml_refusal(
                env._("Sorry, this number does not take calls. Goodbye."), language
            )
        company = called.company_id
        caller = routing.caller_of(params.get("From"))
        Inbound = self.env["callflow.inbound"].with_company(company)
        match = Inbound._lookup(caller, company)
        sid = params.get("CallSid")
        replayed = sid and self.env["callflow.call"].search(
            [("provider_call_sid", "=", sid), ("company_id", "=", company.id)],
            limit=1,
        )
        stages = self._stages(company, match, call=replayed or None)
        stage, rung = routing.next_stage(stages, routing.STAGE_LAST)
        call = Inbound._receive(
            caller,
            called,
            provider="twilio",
            sid=sid,
            user=self._owner(called, match, rung),
            match=match,
        )
        token = self._token(call)
        if not call.voice_token_hash:  # a replayed webhook: popped already
            call.voice_token_hash = self.env["callflow.voice"]._hash(token)
            self._pop_rung(call, rung)
        return self._stage_twiml(call, token, stage, rung, match)

    @api.model
    def _pop_rung(self, call, rung):
        users = self.env["res.users"].browse([uid for uid, _target in rung if uid])
        self.env["callflow.inbound"]._pop(call, users)

    @api.model
    def _stage_twiml(self, call, token, stage, rung, match):
        """The TwiML of ``stage``: ring ``rung``, or the voicemail."""
        if stage == routing.STAGE_VOICEMAIL:
            return self._voicemail_twiml(call, token, match["partner"])
        return routing.twiml_ring(
            rung,
            routing.caller_id_of(call.dialed_number),
            routing.STAGE_TIMEOUT,
            self._url(call, "next", token, stage=stage + 1),
            lambda uid: self._url(call, "status", token, u=uid),
        )

    @api.model
    def _voicemail_twiml(self, call, token, partner=None):
        lang = self._language(call, partner)
        env, language = self._spoken(lang)
        greeting = call.company_id.with_env(env).callflow_voicemail_greeting or env._(
            "We cannot take your call right now. Please leave a message after the tone."
        )
        return routing.twiml_voicemail(
            greeting,
            language,
            self._url(call, "next", token, stage=routing.STAGE_VOICEMAIL + 1),
            self._url(call, "recorded", token),
        )

    # ------------------------------------------------------------------
    # The provider's follow-up requests
    # ------------------------------------------------------------------
    @api.model
    def _next(self, call, token, stage, params):
        """``<Dial action>`` or ``<Record action>``: the stage is over.
        Somebody answered: the call is over. Nobody: the next stage, or
        after the voicemail, the missed call."""
        self.env["callflow.voice"]._lock(call)
        dial_status = (params.get("DialCallStatus") or "").lower()
        if call.inbound_status == "answered" or (
            dial_status in routing.ANSWERED_DIAL_STATUS
        ):
            self._answered(call, None, params.get("DialCallDuration"), final=True)
            return routing.twiml_hangup()
        gone = (params.get("CallStatus") or "").lower() in ("completed", "canceled")
        if stage > routing.STAGE_VOICEMAIL or gone or call.inbound_status != "ringing":
            if params.get("RecordingSid"):
                self._recorded(call, params)
            else:
                self._missed(call, "missed")
            return routing.twiml_hangup()
        match = self.env["callflow.inbound"]._lookup(
            call.dialed_number, call.company_id
        )
        stages = self._stages(call.company_id, match, call.list_id, call=call)
        stage, rung = routing.next_stage(stages, max(stage, routing.STAGE_LAST))
        if rung:
            self._pop_rung(call, rung)
        return self._stage_twiml(call, token, stage, rung, match)

    @api.model
    def _answered(self, call, user_id, duration=None, final=False, at=None):
        """Somebody took the call (``user_id``: who, 0 for the fallback
        number); ``final``: it is over, ``duration`` seconds of talk."""
        vals = {}
        if call.inbound_status in ("ringing", "missed"):
            vals["inbound_status"] = "answered"
        if user_id:
            user = self.env["res.users"].browse(user_id).exists()
            if user and user != call.user_id:
                vals["user_id"] = user.id
        current = {key: call[key] for key in voice.MERGED_FIELDS}
        at = at or fields.Datetime.now()
        status = "completed" if final else "in-progress"
        changes = voice.merge_status(current, "in-progress", at)
        if final:
            current.update(changes)
            changes.update(voice.merge_status(current, status, at, duration))
        vals.update(changes)
        if vals:
            call.write(vals)

    @api.model
    def _leg_status(self, call, user_id, params):
        """A rung leg's status callback: its answer says who took the call,
        its end how long they talked. Legs nobody answered change nothing:
        the ``<Dial action>`` moves on."""
        self.env["callflow.voice"]._lock(call)
        status = (params.get("CallStatus") or "").lower()
        at = voice.parse_timestamp(params.get("Timestamp"))
        if status in ("answered", "in-progress"):
            self._answered(call, user_id, at=at)
        elif (
            status == "completed"
            and call.inbound_status == "answered"
            and (not user_id or user_id == call.user_id.id)
        ):
            self._answered(call, None, params.get("CallDuration"), final=True, at=at)

    @api.model
    def _recorded(self, call, params):
        """The voicemail message lands on the call, which becomes a
        callback (``callflow.inbound._missed``)."""
        self.env["callflow.voice.recording"]._apply_recording(
            call,
            params.get("RecordingSid"),
            params.get("RecordingUrl"),
            params.get("RecordingDuration"),
            params.get("RecordingStatus"),
        )
        if call.recording_sid and call.inbound_status != "answered":
            self._missed(call, "voicemail")

    @api.model
    def _missed(self, call, status):
        """Nobody answered: ``missed``, or ``voicemail`` with a message."""
        if call.inbound_status == "answered":
            return
        if call.inbound_status != status and call.inbound_status != "voicemail":
            vals = {"inbound_status": status}
            if call.voice_state not in voice.FINAL_STATES:
                vals.update(voice_state="no_answer", hangup_date=fields.Datetime.now())
            call.write(vals)
        if call.dialed_number.startswith("+"):  # else nobody to call back
            self.env["callflow.inbound"]._missed(call)
