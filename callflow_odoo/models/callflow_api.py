from odoo import api, fields, models

from ..tools.api import ApiError

# A PBX event's final states: a replayed or late event leaves them alone.
FINAL_STATES = ("completed", "no_answer", "busy", "failed", "canceled")


class CallflowApi(models.AbstractModel):
    """The PBX API's work, for an authenticated key (controllers/api.py):
    the inbound events of any PBX and the caller lookup, on top of
    ``callflow.inbound``. Called as superuser for the key, limited to the
    key's company and, for a user's key, to what that user may see."""

    _name = "callflow.api"
    _description = "Callflow PBX API"

    # ------------------------------------------------------------------
    # Lookup
    # ------------------------------------------------------------------
    @api.model
    def _visible(self, key, records):
        """``records`` as far as the key may show them: a user's key shows
        what its user may read, a PBX key what its company holds."""
        if key.owner_type != "user" or not records:
            return records
        return (
            records.with_user(key.user_id)
            .with_company(key.company_id)
            ._filtered_access("read")
            .sudo()
        )

    @api.model
    def _lookup(self, key, number):
        """What a desk phone shows of ``number``: display name, company and
        the ledger's word. Nothing else (no ids, no notes). Reads only."""
        company = key.company_id
        match = (
            self.env["callflow.inbound"].with_company(company)._lookup(number, company)
        )
        partner = self._visible(key, match["partner"])
        lead = self._visible(key, match["lead"])
        return {
            "number": match["number"],
            "known": bool(partner or lead),
            "name": partner.name or lead.contact_name or lead.partner_name or "",
            "company": partner.commercial_company_name
            or partner.parent_id.name
            or lead.partner_name
            or "",
            "blocked": match["blocked"],
            "preference": match["preference"],
        }

    # ------------------------------------------------------------------
    # Inbound events
    # ------------------------------------------------------------------
    @api.model
    def _called_number(self, key, called):
        """The company's published number the person rang, or ApiError 404."""
        company = key.company_id
        e164 = self.env["callflow.inbound"]._e164(called, company)
        number = (
            self.env["callflow.caller.number"]
            .with_context(active_test=False)
            .search(
                [
                    ("number", "=", e164),
                    ("company_id", "=", company.id),
                    ("is_published", "=", True),
                ],
                limit=1,
            )
            if e164
            else None
        )
        if not number:
            raise ApiError(404, "'called' is not a published number of the company")
        return number

    @api.model
    def _operator(self, key, event):
        """The user the event is for (``extension`` or ``operator`` login),
        or ApiError: 404 when nobody of the company has it; a user's key
        reports its own user's calls only."""
        extension, login = event["extension"], event["operator"]
        if not (extension or login):
            if key.owner_type == "user":
                return key.user_id
            raise ApiError(400, "'extension' or 'operator' is required")
        domain = [
            ("share", "=", False),
            ("company_ids", "in", key.company_id.id),
        ]
        domain += (
            [("callflow_pbx_extension", "=", extension)]
            if extension
            else [("login", "=", login)]
        )
        user = self.env["res.users"].search(domain, limit=1)
        if not user:
            raise ApiError(404, "no user of the company has this extension or login")
        if key.owner_type == "user" and user != key.user_id:
            raise ApiError(403, "a user's key reports its own user's calls only")
        return user

    @api.model
    def _inbound(self, key, event):
        """Apply a PBX's event (ringing, answered, missed, ended) to its
        inbound call, logged once per ``call_id``; the screen pops for the
        operator when the call is first seen. Returns the PBX's answer."""
        company = key.company_id
        Inbound = self.env["callflow.inbound"].with_company(company)
        called = self._called_number(key, event["called"])
        operator = self._operator(key, event)
        Call = self.env["callflow.call"]
        sid = event["call_id"]
        call = (
            sid
            and Call.search(
                [("provider_call_sid", "=", sid), ("company_id", "=", company.id)],
                limit=1,
            )
        ) or Call
        new = not call
        if new:
            call = Inbound._receive(
                event["caller"], called, provider="http", sid=sid, user=operator
            )
        if call.direction != "inbound":
            raise ApiError(409, "'call_id' is an outbound call")
        self._apply_event(call, event["event"], operator, event["duration"])
        if new:
            Inbound._pop(call, operator)
        blocked = Inbound._lookup(call.dialed_number, company)["blocked"]
        partner = self._visible(key, call.partner_id)
        lead = self._visible(key, call.lead_id)
        return {
            "call_id": call.id,
            "name": partner.name or lead.contact_name or lead.partner_name or "",
            "blocked": blocked,
        }

    @api.model
    def _apply_event(self, call, event, operator, duration):
        """Move the call on: answered (who, when), ended (talk time), or
        missed (a callback). Final calls are left alone (replays)."""
        if call.voice_state in FINAL_STATES or event == "ringing":
            return
        now = fields.Datetime.now()
        if event == "answered":
            if call.inbound_status != "answered":
                call.write(
                    {
                        "inbound_status": "answered",
                        "voice_state": "in_progress",
                        "answer_date": now,
                        "user_id": operator.id,
                    }
                )
            return
        answered = call.inbound_status == "answered"
        if event == "ended" and answered:
            talk = (
                duration
                if duration is not None
                else int((now - (call.answer_date or now)).total_seconds())
            )
            call.write(
                {
                    "voice_state": "completed",
                    "hangup_date": now,
                    "date_end": now,
                    "talk_seconds": talk,
                }
            )
            return
        # Missed, or ended before anyone answered.
        call.write(
            {
                "inbound_status": "missed",
                "voice_state": "no_answer",
                "hangup_date": now,
                "date_end": now,
            }
        )
        self.env["callflow.inbound"].with_company(call.company_id)._missed(call)
