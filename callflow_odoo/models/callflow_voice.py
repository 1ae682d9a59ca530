import hashlib
import secrets
import uuid

from odoo import api, fields, models
from odoo.tools import consteq

from ..tools import voice


class CallflowVoice(models.AbstractModel):
    """The voice provider's side of a call: placing it, the TwiML, the
    status callbacks and the results they log by themselves. A service
    apart from ``callflow.call`` so that the call model keeps its fields
    and record-level behaviour, and the list entry only delegates."""

    _name = "callflow.voice"
    _description = "Callflow voice provider"

    @api.model
    def _config(self):
        """The voice provider's settings. sudo: credentials are system
        parameters, readable by system administrators only."""
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "provider": get("callflow_odoo.voice_provider") or "manual",
            "account_sid": get("callflow_odoo.voice_twilio_account_sid") or "",
            "auth_token": get("callflow_odoo.voice_twilio_auth_token") or "",
            "base_url": get("callflow_odoo.voice_twilio_base_url")
            or voice.TWILIO_BASE_URL,
            "url_template": get("callflow_odoo.voice_http_url") or "",
            "auth_header": get("callflow_odoo.voice_http_auth_header") or "",
            "secret": get("callflow_odoo.voice_http_secret") or "",
            "hangup_template": get("callflow_odoo.voice_http_hangup_url") or "",
            "recording_delete_template": get(
                "callflow_odoo.voice_http_recording_delete_url"
            )
            or "",
        }

    @staticmethod
    def _hash(raw_token):
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @api.model
    def _check_token(self, call, raw_token):
        """Whether ``raw_token`` is ``call``'s URL token (constant time)."""
        call.ensure_one()
        stored = call.sudo().voice_token_hash  # sudo: a hash kept from users
        if not (stored and raw_token and isinstance(raw_token, str)):
            return False
        return consteq(stored, self._hash(raw_token))

    @api.model
    def _url(self, call, kind, raw_token, leg=None):
        """Callflow's URL the provider calls back for ``call``."""
        url = f"{call.get_base_url()}/callflow/voice/{kind}/{call.id}?t={raw_token}"
        return f"{url}&leg={leg}" if leg else url

    @api.model
    def _open_attempt(self, entry):
        """The call placed on ``entry`` through the provider by the current
        user that has no result yet: logging the result completes it."""
        return (
            self.env["callflow.call"]
            .sudo()
            .search(
                [
                    ("entry_id", "=", entry.id),
                    ("user_id", "=", self.env.uid),
                    ("voice_provider", "!=", False),
                    ("result_id", "=", False),
                    ("voice_state", "not in", ("failed", "canceled")),
                ],
                order="id desc",
                limit=1,
            )
            .with_env(self.env)
        )

    @api.model
    def _notify(self, title, message, kind="warning"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "title": title, "message": message},
        }

    # ------------------------------------------------------------------
    # Placing the call
    # ------------------------------------------------------------------
    @api.model
    def _call_entry(self, entry):
        """Place the call of the dialer's ``entry``: the gate, the call
        record (the attempt), then the provider. Returns a notification:
        a refusal is a message to the operator, and no call."""
        entry.ensure_one()
        config = self._config()
        user = self.env.user
        if config["provider"] not in voice.CLIENTS:
            return {"type": "ir.actions.act_url", "url": f"tel:{entry.number}"}
        title = self.env._("No call placed")
        if entry.state != "in_call" or entry.held_by_id != user:
            return self._notify(
                title, self.env._("Open the person in the dialer first.")
            )
        target = self._ring_target(user)
        if not target:
            return self._notify(title, self._no_target_message())
        caller = entry.list_id.caller_number_id
        decision = self.env["callflow.dial.gate"]._check(
            entry.number,
            user=user,
            caller_number=caller,
            entry=entry,
            purpose=entry.list_id.purpose,
        )
        if not decision.allowed:
            return self._notify(title, decision.message)
        vals = self.env["callflow.call"]._entry_vals(entry)
        _call, result = self._place(config, vals, target)
        return self._placed_notification(result, entry.display_name)

    @api.model
    def _ring_timeout(self, call_list):
        """Seconds a phone rings before "no answer" (the list's, else 25)."""
        return call_list.ring_timeout_seconds or 25

    @api.model
    def _ring_target(self, user):
        return (user.callflow_ring_target or "").strip()

    @api.model
    def _no_target_message(self):
        return self.env._(
            "Set where to ring you first: Preferences > Ring me at "
            "(a phone number, sip: URI or client: identity)."
        )

    @api.model
    def _voice_place(self, number, caller_number=None, record=None):
        """Click-to-call from the phone widget, once the dial gate allowed
        it (``callflow.dial.gate.action_click_to_call``): the call from
        ``caller_number`` to ``number`` (E.164), on ``record``'s lead or
        contact. Returns the call, and the provider's answer."""
        config = self._config()
        target = self._ring_target(self.env.user)
        if config["provider"] not in voice.CLIENTS or not target:
            return self.env["callflow.call"], voice.PlaceResult(
                voice.FAILED, None, self._no_target_message()
            )
        vals = {"caller_number_id": caller_number.id, "dialed_number": number}
        if record and record._name == "crm.lead":
            vals.update(lead_id=record.id, partner_id=record.partner_id.id)
        elif record and record._name == "res.partner":
            vals["partner_id"] = record.id
        return self._place(config, vals, target)

    @api.model
    def _place(self, config, vals, target):
        """Create the call (committed: the provider calls back on its own
        connections, maybe before this request ends) and ask the provider
        to place it. Returns the call and the provider's answer."""
        provider = config["provider"]
        caller = self.env["callflow.caller.number"].browse(vals["caller_number_id"])
        raw_token = secrets.token_urlsafe(24)
        vals = dict(
            vals,
            voice_provider=provider,
            voice_state="queued",
            voice_key=uuid.uuid4().hex,
        )
        call_list = self.env["callflow.list"].browse(vals.get("list_id"))
        if provider == "twilio":
            request = {
                "from_number": caller.number or "",
                "to": target,
                "timeout": self._ring_timeout(call_list),
            }
        else:
            request = {
                "operator": target,
                "number": vals["dialed_number"],
                "caller_id": caller.number or "",
            }
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            call = env["callflow.call"].create(vals)
            # sudo: the hash is hidden from users (groups), and set once here.
            call.sudo().voice_token_hash = self._hash(raw_token)
            if provider == "twilio":
                request["url"] = self._url(call, "twiml", raw_token)
                request["status_callback"] = self._url(
                    call, "status", raw_token, "operator"
                )
            else:
                request.update(self._http_recording_request(call))
            cr.commit()  # pylint: disable=invalid-commit
            result = voice.CLIENTS[provider](config).place_call(
                vals["voice_key"], request
            )
            # sudo: operators do not edit calls; this is the provider's answer.
            self.with_env(env)._apply_place_result(call.sudo(), result)
        return call.with_env(self.env), result

    @api.model
    def _http_recording_request(self, call):
        """A PBX's ``{record}`` and ``{announcement}``: whether the list
        records, and the announcement it plays first in the person's
        language (empty when it does not record)."""
        if not call.list_id.record_calls:
            return {"record": "0", "announcement": ""}
        text, _lang = self.env["callflow.voice.recording"]._announcement(call)
        return {"record": "1", "announcement": text}

    @api.model
    def _apply_place_result(self, call, result):
        self._lock(call)
        answer = {"voice_message": result.message or False}
        if result.state == voice.PLACED:
            answer["provider_call_sid"] = result.sid
            if call.voice_state == "queued":  # callbacks may be ahead
                answer["voice_state"] = "initiated"
        elif result.state == voice.FAILED:
            answer["voice_state"] = "failed"
        call.write(answer)
        self._send_state(call)

    @api.model
    def _placed_notification(self, result, name):
        if result.state == voice.PLACED:
            return self._notify(
                self.env._("Calling"),
                self.env._("Your phone rings first, then %(name)s's.", name=name),
                "info",
            )
        if result.state == voice.UNKNOWN:
            return self._notify(
                self.env._("Call status unknown"),
                self.env._(
                    "The provider did not answer in time: the call may have "
                    "been placed, check the provider before calling again. "
                    "(%(detail)s)",
                    detail=result.message,
                ),
            )
        return self._notify(self.env._("No call placed"), result.message)

    @api.model
    def _lock(self, call):
        """Lock the call's row: concurrent callbacks of one call apply one
        after the other, each on the other's result. The statement also
        reads the row and the operator's partner (the bus target) into the
        cache, as _fetch_query does: one query where three were."""
        call.invalidate_recordset()
        columns = voice.lockable_columns(call._fields.values())
        rows = self.env.execute_query(voice.lock_call_sql(columns, call.id))
        cache = self.env.cache
        for field, value in zip(columns, rows[0][:-1] if rows else (), strict=False):
            cache.insert_missing(call, field, [value])
        if rows and rows[0][-1] and call.user_id:
            partner = self.env["res.users"]._fields["partner_id"]
            cache.insert_missing(call.user_id, partner, rows[0][-1:])

    # ------------------------------------------------------------------
    # The provider's requests: TwiML and status callbacks
    # ------------------------------------------------------------------
    @api.model
    def _twiml(self, call, raw_token):
        """The TwiML of the operator's leg once answered: the gate again (an
        opt-out may have arrived since Call), then the whisper and the
        person's leg, or the spoken reason and the end of the call."""
        call.ensure_one()
        self._lock(call)
        user = call.user_id
        spoken = call.with_context(lang=user.lang)
        language = (user.lang or "en_US").replace("_", "-")
        if call.voice_state not in ("queued", "initiated") or call.result_id:
            # Already dialled (a replayed request) or over: never twice.
            return voice.twiml_refusal(spoken.env._("This call has ended."), language)
        decision = (
            self.env["callflow.dial.gate"]
            .with_user(user)
            ._check(
                call.dialed_number,
                user=user,
                caller_number=call.caller_number_id,
                entry=call.entry_id,
                purpose=call.list_id.purpose or None,
            )
        )
        if not decision.allowed:
            call.write({"voice_state": "canceled", "voice_message": decision.message})
            self._send_state(call)
            return voice.twiml_refusal(decision.message, language)
        return voice.twiml_dial(
            spoken.env._("Calling %(name)s", name=self._whisper_name(call)),
            language,
            call.caller_number_id.number or "",
            call.dialed_number,
            self._ring_timeout(call.list_id),
            self._url(call, "status", raw_token, "dial"),
            self._url(call, "status", raw_token, "person"),
            **self.env["callflow.voice.recording"]._dial_urls(call, raw_token),
        )

    @api.model
    def _whisper_name(self, call):
        """Who is being called, as the operator hears it before the dial."""
        # sudo: the lead may belong to another salesperson (see _crm_records)
        lead = call.lead_id.sudo()
        return (
            call.partner_id.name
            or lead.contact_name
            or lead.partner_name
            or lead.name
            or call.dialed_number
        )

    @api.model
    def _apply_status_read_committed(self, call_id, leg, status, **kwargs):
        """A provider's status callback, first thing its request writes: the
        request's transaction (reads only so far) restarts in READ COMMITTED,
        so that the call's row lock waits for a concurrent callback of the
        same call and reads its result, where a REPEATABLE READ snapshot
        fails on serialization (an ERROR in PostgreSQL's log, and the whole
        request replayed). One connection, as any request."""
        if not self.env.registry.in_test_mode():  # tests share one txn
            self.env.cr.rollback()
            self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        call = self.env["callflow.call"].browse(call_id)
        return self._apply_status(call, leg, status, **kwargs)

    @api.model
    def _apply_status(
        self, call, leg, status, at=None, duration=None, answered_by=None, sid=None
    ):
        """Apply one status callback (idempotent, out-of-order safe).

        ``leg`` is ``operator`` (the provider rings the operator) or
        ``person`` (the dialled leg, or a generic PBX's only leg)."""
        call.ensure_one()
        self._lock(call)
        at = at or fields.Datetime.now()
        state = voice.CALL_STATUS.get((status or "").lower())
        if not state:
            return False
        vals = {}
        if leg == "operator":
            new_state = voice.operator_leg_state(
                call.voice_state, state, bool(call.provider_leg_sid)
            )
            if new_state:
                vals["voice_state"] = new_state
            if new_state == "canceled":
                vals["voice_message"] = self._operator_end_message(state)
        else:
            if sid and not call.provider_leg_sid and sid != call.provider_call_sid:
                vals["provider_leg_sid"] = sid[:64]
            current = {key: call[key] for key in voice.MERGED_FIELDS}
            vals.update(voice.merge_status(current, status, at, duration, answered_by))
        if not vals:
            return False
        was_final = call.voice_state in voice.FINAL_STATES
        call.write(vals)
        outcome = voice.outcome_to_log(
            was_final,
            call.voice_state,
            call.answered_by,
            answered_by,
            bool(call.result_id),
        )
        if outcome:
            self._log_unreached(call, outcome)
        self._send_state(call)
        return True

    @api.model
    def _operator_end_message(self, state):
        """Why the call ended on the operator's side, before the person's
        phone rang: the entry stays with the operator, nothing is logged."""
        if state == "completed":
            return self.env._("The call ended before the person was dialled.")
        return self.env._("You did not answer the call.")

    @api.model
    def _default_result(self, outcome):
        """The result logged by itself for a person not reached."""
        xmlid = voice.DEFAULT_RESULTS[outcome]
        result = self.env.ref(xmlid, raise_if_not_found=False)
        return result or self.env["callflow.call.result"].search(
            [("outcome_hint", "=", outcome)], limit=1
        )

    @api.model
    def _log_unreached(self, call, outcome):
        """Busy, no answer, failed or a machine: log the default result and
        give the entry back to the queue by the list's retry rules, so the
        operator only logs conversations."""
        call.ensure_one()
        result = self._default_result(outcome)
        now = fields.Datetime.now()
        call.write(
            {
                "outcome": outcome,
                "result_id": result.id,
                "date_end": now,
                "handling_time": voice.handling_minutes(call.date_start, now),
            }
        )
        call._post_on_chatter()
        entry = call.entry_id.with_user(call.user_id).sudo()
        if entry.state == "in_call" and entry.held_by_id == call.user_id:
            entry._register_attempt(result, outcome)

    @api.model
    def _send_state(self, calls):
        """The calls' live state to their operators' dialers (bus)."""
        for call in calls:
            call.env["bus.bus"]._sendone(
                call.user_id.partner_id,
                "callflow.call/state",
                self.env["callflow.voice.screen"]._state(call),
            )
