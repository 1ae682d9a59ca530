from markupsafe import escape

from odoo import Command, api, fields, models

from ..tools.phone import try_parse_number

# Calls a person rang back about: the calls of the last year tell who spoke
# to them; older history is the contact's chatter.
HISTORY_DAYS = 365
# The pop-up shows this many past calls.
LAST_CALLS = 3
# Open leads shown in the pop-up.
OPEN_LEADS = 5


class CallflowInbound(models.AbstractModel):
    """Calls coming in on published numbers: who rings (contacts, leads,
    list entries, the ledger), the inbound call record, the screen pop on the
    operators' screens, and the callback a missed call becomes. One service
    for the voice provider's webhook and the PBX API alike."""

    _name = "callflow.inbound"
    _description = "Callflow inbound calls"

    # ------------------------------------------------------------------
    # Who rings
    # ------------------------------------------------------------------
    @api.model
    def _e164(self, number, company=None):
        company = company or self.env.company
        return try_parse_number(number or "", company.country_id.code or None)[0]

    @api.model
    def _lookup(self, number, company=None):
        """Who ``number`` is: the last call to it (the warmest link: who
        spoke to them, on which lead), else its list entry, else a contact
        or lead with that number in any format; and the ledger's word.
        Called as superuser by the webhooks: the result only feeds the call
        record and the pop-up of users who may see it."""
        company = company or self.env.company
        e164 = self._e164(number, company)
        match = {
            "number": e164 or (number or "")[:64],
            "partner": self.env["res.partner"],
            "lead": self.env["crm.lead"],
            "entry": self.env["callflow.list.entry"],
            "blocked": False,
            "preference": "",
            "last_user": self.env["res.users"],
        }
        if not e164:
            return match
        Call = self.env["callflow.call"]
        since = fields.Datetime.subtract(fields.Datetime.now(), days=HISTORY_DAYS)
        last = Call.search(
            [
                ("dialed_number", "=", e164),
                ("date_start", ">=", since),
                ("company_id", "=", company.id),
            ],
            limit=1,
        )
        entry = self.env["callflow.list.entry"].search(
            [("number", "=", e164), ("list_id.company_id", "=", company.id)],
            order="write_date desc, id desc",
            limit=1,
        )
        partner = last.partner_id or entry.partner_id
        lead = last.lead_id or entry.lead_id
        if not (partner or lead):
            # The company's contacts and leads (or shared ones) only: called
            # as superuser, record rules do not keep the others out.
            partner = self._of_company(
                self.env["res.partner"]._callflow_search_e164(e164), company
            )
            lead = self._of_company(
                self.env["crm.lead"]._callflow_search_e164(e164), company
            )
        if lead and not partner:
            partner = lead.partner_id
        # The last operator who spoke to them, not a machine's "no answer".
        spoke = (
            last
            if last.outcome == "answered"
            else Call.search(
                [
                    ("dialed_number", "=", e164),
                    ("date_start", ">=", since),
                    ("company_id", "=", company.id),
                    ("outcome", "=", "answered"),
                ],
                limit=1,
            )
        )
        match.update(
            partner=partner,
            lead=lead,
            entry=entry,
            last_user=spoke.user_id or last.user_id,
            **self._ledger_word(e164),
        )
        return match

    @api.model
    def _of_company(self, records, company):
        """The first of ``records`` that belongs to ``company`` or to none."""
        return records.filtered(
            lambda rec: not rec.company_id or rec.company_id == company
        )[:1]

    @api.model
    def _ledger_word(self, e164):
        """Whether the ledger blocks calls to ``e164``, and why (in the
        environment's language)."""
        State = self.env["callflow.preference.state"]
        reason = State._check_numbers([e164], "call").get(e164)
        return {
            "blocked": bool(reason),
            "preference": State._reason_label(reason) if reason else "",
        }

    # ------------------------------------------------------------------
    # The inbound call record
    # ------------------------------------------------------------------
    @api.model
    def _receive(
        self, number, called_number, *, provider, sid=None, user=None, match=None
    ):
        """Log the inbound call of ``number`` on the published
        ``called_number`` (a ``callflow.caller.number``): one call per
        (provider, sid), so a replayed webhook returns the same call.
        ``user`` is who answers or is rung first (else the last operator who
        spoke to them); ``match``: the caller's ``_lookup``, when the
        caller has it already. Called as superuser (see ``_lookup``)."""
        Call = self.env["callflow.call"]
        company = called_number.company_id or self.env.company
        if sid:
            known = Call.search(
                [
                    ("provider_call_sid", "=", sid),
                    ("company_id", "=", company.id),
                ],
                limit=1,
            )
            if known:
                return known
        match = match or self._lookup(number, company)
        user = user or match["last_user"] or self.env.user
        call = Call.create(
            {
                "direction": "inbound",
                "inbound_status": "ringing",
                "voice_provider": provider,
                "voice_state": "ringing",
                "provider_call_sid": sid or False,
                "company_id": company.id,
                "caller_number_id": called_number.id,
                "dialed_number": match["number"] or "-",
                "partner_id": match["partner"].id,
                "lead_id": match["lead"].id,
                "entry_id": match["entry"].id,
                "list_id": match["entry"].list_id.id,
                "user_id": user.id,
                "ring_date": fields.Datetime.now(),
            }
        )
        call._post_on_chatter()
        return call

    # ------------------------------------------------------------------
    # The screen pop
    # ------------------------------------------------------------------
    @api.model
    def _pop_payload(self, call):
        """What the operator's pop-up shows of the caller."""
        call.ensure_one()
        partner = call.partner_id
        lead = call.lead_id
        # The call already holds who rings: only the ledger's word is read.
        ledger = self._ledger_word(call.dialed_number)
        previous = self.env["callflow.call"].search(
            [
                ("dialed_number", "=", call.dialed_number),
                ("id", "!=", call.id),
                ("company_id", "=", call.company_id.id),
            ],
            limit=LAST_CALLS,
        )
        leads = self.env["crm.lead"]
        if partner:
            leads = leads.search(
                [
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("active", "=", True),
                    ("probability", "<", 100),
                ],
                limit=OPEN_LEADS,
            )
        if lead and lead.active and lead not in leads:
            leads = lead | leads
        complaint = getattr(partner, "_callflow_complaint_text", None)
        return {
            "call_id": call.id,
            "number": call.dialed_number,
            "name": partner.name or lead.contact_name or lead.partner_name or "",
            "company": partner.commercial_company_name
            or partner.parent_id.name
            or lead.partner_name
            or "",
            "function": partner.function or lead.function or "",
            "phonetic": partner.callflow_phonetic_name or "",
            "partner_id": partner.id,
            "lead_id": lead.id,
            "entry_id": call.entry_id.id,
            "called_number": call.caller_number_id.number_international or "",
            "blocked": ledger["blocked"],
            "preference": ledger["preference"],
            "complaint": (complaint() if complaint else "") or "",
            "last_calls": [
                {
                    "date": fields.Datetime.to_string(past.date_start),
                    "result": past.result_id.name
                    or dict(past._fields["outcome"].selection).get(past.outcome)
                    or "",
                    "user": past.user_id.name or "",
                    "direction": past.direction,
                }
                for past in previous
            ],
            "leads": [
                {"id": rec.id, "name": rec.name, "stage": rec.stage_id.name or ""}
                for rec in leads[:OPEN_LEADS]
            ],
            "known": bool(partner or lead),
        }

    @api.model
    def _pop(self, call, users):
        """Pop the caller on ``users``' screens at once (the bus), and only
        theirs: the payload goes to each user's own partner channel."""
        for lang, group in users.grouped(lambda user: user.lang or "en_US").items():
            # Labels (preference, results) in each operator's own language.
            payload = self.with_context(lang=lang)._pop_payload(
                call.with_context(lang=lang)
            )
            for user in group:
                self.env["bus.bus"]._sendone(
                    user.partner_id, "callflow.inbound/pop", payload
                )
        State = self.env["callflow.operator.state"]
        for user in users:
            State._set(user, call.company_id, "ringing", call=call)

    @api.model
    def _available(self, users, company=None, ignore_call=None):
        """Who of ``users`` can take a call now: online in Odoo, not paused
        on the live board and not on a call (ringing or talking) other than
        ``ignore_call`` (the call being routed: its own ringing is no other
        call, e.g. when the provider replays its webhook)."""
        users = users.filtered("active")
        if not users:
            return users
        online = users.filtered(lambda user: user.im_status == "online")
        online -= self.env["callflow.operator.state"]._paused_users(
            online, company or self.env.company
        )
        if not online:
            return online
        busy = (
            self.env["callflow.call"]
            .search(
                [
                    ("user_id", "in", online.ids),
                    ("voice_state", "in", ("ringing", "in_progress")),
                    ("id", "!=", ignore_call.id if ignore_call else False),
                    (
                        "date_start",
                        ">=",
                        fields.Datetime.subtract(fields.Datetime.now(), hours=4),
                    ),
                ]
            )
            .user_id
        )
        return online - busy

    # ------------------------------------------------------------------
    # Missed calls become callbacks
    # ------------------------------------------------------------------
    @api.model
    def _inbound_list(self, company, caller_number):
        """The company's "Inbound callbacks" list, made on first need and
        calling back from the number they rang. Returning a call is a
        service call ("other"), not a sales call."""
        found = company.callflow_inbound_list_id
        # A list a manager archived or closed is over: a new one starts. A
        # paused one stays paused (the manager's choice), entries wait in it.
        if found.active and found.state != "done":
            return found
        found = self.env["callflow.list"].create(
            {
                "name": self.env._("Inbound callbacks"),
                "company_id": company.id,
                "purpose": "other",
                "caller_number_id": caller_number.id,
                "state": "running",
            }
        )
        company.callflow_inbound_list_id = found
        return found

    @api.model
    def _missed(self, call):
        """A missed or voicemail inbound call: the person's entry comes
        back first in the queue, as a callback due now for its owner (else a
        new entry in "Inbound callbacks"), with an activity. Idempotent: a
        call already turned into a callback is left alone. A number the
        ledger blocks gets the activity only: the dialer would not call."""
        call.ensure_one()
        if call.inbound_callback_done:
            return call.entry_id
        owner = call.user_id
        entry = call.entry_id
        blocked = self._lookup(call.dialed_number, call.company_id)["blocked"]
        if not blocked and entry.state != "in_call":
            if not entry or entry.state in ("suppressed", "invalid"):
                inbound_list = self._inbound_list(
                    call.company_id, call.caller_number_id
                )
                if owner not in inbound_list.user_ids:
                    inbound_list.user_ids = [Command.link(owner.id)]
                entry = self.env["callflow.list.entry"].create(
                    {
                        "list_id": inbound_list.id,
                        "partner_id": call.partner_id.id,
                        "lead_id": call.lead_id.id,
                        "number": call.dialed_number,
                        "raw_number": call.dialed_number,
                    }
                )
            entry.write(
                {
                    "state": "callback_due",
                    "next_attempt": fields.Datetime.now(),
                    "priority": "3",
                    "operator_id": owner.id,
                    "state_reason": self.env._("Missed inbound call"),
                }
            )
        call.write({"entry_id": entry.id, "inbound_callback_done": True})
        # The owner hears of the callback at once, not at the next minute.
        self.env["callflow.callback"]._logged(entry)
        record = call.lead_id or call.partner_id
        if record:
            record.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=fields.Date.context_today(self),
                summary=self.env._(
                    "Call back %(who)s: missed call on %(number)s",
                    who=call.name or call.dialed_number,
                    number=call.caller_number_id.number_international or "-",
                ),
                note=escape(self._missed_note(call, blocked)),
                user_id=owner.id,
            )
        return entry

    @api.model
    def _missed_note(self, call, blocked):
        notes = []
        if call.inbound_status == "voicemail":
            notes.append(self.env._("They left a voicemail (on the call)."))
        if blocked:
            notes.append(
                self.env._(
                    "Their number is blocked for calls: answer them the way "
                    "they asked to be contacted."
                )
            )
        return " ".join(notes)
