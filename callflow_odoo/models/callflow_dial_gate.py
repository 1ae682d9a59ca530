from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import dial_gate_sql
from ..tools.dial_gate import GateDecision
from ..tools.hours import format_hours
from ..tools.hours_sql import local_sql, preferred_hours_sql, window_sql
from ..tools.phone import number_time_zone, try_parse_number
from ..tools.phone_errors import parse_error_message
from ..tools.preference_sql import ledger_blocks_sql

VOICE_PROVIDER_PARAM = "callflow_odoo.voice_provider"
MANUAL = "manual"
DEFAULT_PURPOSE = "sales"
# The gate's answer to the phone widget, in this order of precedence: a
# refusal the operator can do nothing about comes before one that may pass.
ORDER = (
    "caller_id",
    "ledger",
    "held",
    "cap_daily",
    "cap_gap",
    "list_gap",
    "window",
    "hours",
)


class CallflowDialGate(models.AbstractModel):
    """One server-side check for every call Callflow places: when the
    operator presses Call and again when the provider asks for the
    person's leg, since an opt-out may have arrived in between."""

    _name = "callflow.dial.gate"
    _description = "Callflow dial gate"

    @api.model
    def _check(
        self, number, user=None, caller_number=None, entry=None, purpose=None, tz=None
    ):
        """Return a :class:`GateDecision` for calling ``number`` (E.164)
        as ``user`` from ``caller_number`` (a ``callflow.caller.number``),
        for the list ``entry`` when the call comes from the dialer, else
        for ``purpose``.

        With an ``entry``: the list's purpose, gap and calling window, and
        the list's caller number when none is given. Without (click-to-call
        outside the dialer): ``purpose``, else the caller number's, else
        "sales"; the calling window of a new list (``callflow.list``'s
        defaults: Monday to Friday 9:00-20:00 unless changed) in ``tz``, the
        person's time zone, else the number's, else the company's.

        The ledger, the company caps (holds counted, as the dialer counts
        them), the list gap, the window, the preferred hours, the holds of
        other operators and the caller ID are read in one statement, in the
        current transaction.
        """
        user = user or self.env.user
        e164, reason = try_parse_number(number or "", None)
        if not e164:
            return GateDecision.refuse(
                "invalid_number",
                self.env._(
                    "“%(number)s” cannot be dialled: %(reason)s.",
                    number=number or "",
                    reason=parse_error_message(self.env, reason),
                ),
            )
        # sudo: the gate judges the records themselves (a caller number of
        # the company, the list of the entry), whatever the caller may read;
        # using them is what the statement below decides.
        Number = self.env["callflow.caller.number"].sudo()
        caller_number = (caller_number or Number).sudo()
        self.env.flush_all()
        if entry:
            self.env.cr.execute(dial_gate_sql.entry_list(entry.id))
            found = self.env.cr.fetchone()
            if not found:
                return GateDecision.refuse(
                    "invalid_number",
                    self.env._("This call list entry no longer exists."),
                )
            purpose = found[0]
            caller_number = caller_number or Number.browse(found[1])
            rows = dial_gate_sql.entry_rows(entry.id, e164)
        else:
            # the two columns only: the label and the text are translated
            caller_number.fetch(["purpose", "company_id"])
            purpose = purpose or caller_number.purpose or DEFAULT_PURPOSE
            company = caller_number.company_id or self.env.company
            rows = dial_gate_sql.number_rows(
                e164,
                user.id,
                tz or number_time_zone(e164) or company.partner_id.tz or "UTC",
                company.id,
                self._default_window(),
            )
        row = self._gate_row(rows, e164, purpose, user, caller_number)
        return self._decide(row, e164, purpose, user, caller_number)

    @api.model
    def _default_window(self):
        """(days, from, to) of calls made outside any list: the calling
        window a new list gets (its defaults, which ``ir.default`` may
        change per company)."""
        defaults = self.env["callflow.list"].default_get(
            ["window_days", "window_from", "window_to"]
        )
        return (
            defaults.get("window_days") or "",
            defaults.get("window_from") or 0.0,
            defaults.get("window_to") or 0.0,
        )

    @api.model
    def _gate_row(self, rows, e164, purpose, user, caller_number):
        """The statement of ``dial_gate_sql.gate``, run once."""
        State = self.env["callflow.preference.state"]
        numbers = SQL("ARRAY[%s]::varchar[]", e164)
        ledger = SQL(
            "%s %s",
            ledger_blocks_sql(numbers, "call", purpose),
            State._blacklist_blocks_sql(numbers, "call", True),
        )
        field = self.env["callflow.caller.number"]._fields["user_ids"]
        now = fields.Datetime.now()
        caller = dial_gate_sql.caller_allowed(
            caller_number.id or None,
            user.id,
            fields.Date.context_today(self.with_user(user)),
            (field.relation, field.column1, field.column2),
        )
        self.env.flush_all()
        self.env.cr.execute(
            dial_gate_sql.gate(
                rows,
                ledger,
                caller,
                user.id,
                now,
                window=window_sql(now),
                hours=preferred_hours_sql(now),
                local=local_sql(now),
            )
        )
        return self.env.cr.fetchone()

    @api.model
    def _decide(self, row, e164, purpose, user, caller_number):
        """The first refusal of ``row`` (in ``ORDER``), or allowed."""
        (
            ledger,
            held_by,
            caller_ok,
            daily_ok,
            gap_ok,
            list_gap_ok,
            window_ok,
            hours_ok,
            per_day,
            gap_hours,
            list_gap_hours,
            days,
            hour_from,
            hour_to,
            tz,
        ) = row
        refused = {
            "caller_id": not caller_ok,
            "ledger": bool(ledger),
            "held": held_by is not None,
            "cap_daily": not daily_ok,
            "cap_gap": not gap_ok,
            "list_gap": not list_gap_ok,
            "window": not window_ok,
            "hours": not hours_ok,
        }
        code = next((code for code in ORDER if refused[code]), None)
        if not code:
            return GateDecision.allow()
        lang = self.env.lang or "en_US"
        display = e164
        if code == "caller_id":
            message = self._caller_message(caller_number, user)
        elif code == "ledger":
            message = self.env._(
                "%(number)s may not be called: %(reason)s (contact preferences).",
                number=display,
                reason=self.env["callflow.preference.state"]._reason_label(ledger),
            )
        elif code == "held":
            message = self.env._(
                "%(user)s is calling %(number)s right now.",
                # sudo: only the name of the operator, for the message
                user=self.env["res.users"].sudo().browse(held_by).name
                or self.env._("Another operator"),
                number=display,
            )
        elif code == "cap_daily":
            message = self.env._(
                "%(number)s was already called %(count)s times today, the "
                "company's limit per number.",
                number=display,
                count=per_day,
            )
        elif code == "cap_gap":
            message = self.env._(
                "%(number)s was called less than %(hours)s hours ago (the "
                "company's minimum gap between calls).",
                number=display,
                hours=f"{gap_hours:g}",
            )
        elif code == "list_gap":
            message = self.env._(
                "This person was called less than %(hours)s hours ago (the "
                "list's minimum gap between attempts).",
                hours=f"{list_gap_hours:g}",
            )
        elif code == "window":
            message = self.env._(
                "Outside the calling window in the person's time zone "
                "(%(tz)s): calls are allowed %(window)s.",
                tz=tz or "UTC",
                window=format_hours(days, hour_from, hour_to, lang)
                or self.env._("on no day"),
            )
        else:
            hours = self.env["callflow.preference.state"]._call_hours([e164])
            message = self.env._(
                "The person asked to be called only %(hours)s (their time, %(tz)s).",
                hours=format_hours(*hours.get(e164, ("", 0, 0)), lang),
                tz=tz or "UTC",
            )
        return GateDecision.refuse(code, message)

    @api.model
    def _caller_message(self, caller_number, user):
        if not caller_number:
            return self.env._(
                "No published number to call from: choose your default "
                "caller number in your preferences."
            )
        return self.env._(
            "%(user)s may not call from %(number)s: only published, in-service "
            "numbers of the company, and assigned to them when the number names "
            "its users, can be the caller ID.",
            user=user.name,
            number=caller_number.number_international or caller_number.number,
        )

    # ------------------------------------------------------------------
    # Click-to-call from the phone widget
    # ------------------------------------------------------------------
    @api.model
    def _voice_provider(self):
        # sudo: a system parameter every user's click reads
        return (
            self.env["ir.config_parameter"].sudo().get_param(VOICE_PROVIDER_PARAM)
            or MANUAL
        )

    @api.model
    def action_click_to_call(self, res_model, res_id, number):
        """A click on ``number`` shown on ``res_model``/``res_id`` (a phone
        field anywhere in Odoo) with a voice provider set: the record must
        be readable by the user, then the gate decides with the user's
        default published number. Returns ``{"allowed": False, "code",
        "message"}``, or ``{"allowed": True, "placed": bool, "number"}``:
        placed when the provider called (with ``call_id``, and ``message``,
        the provider's reason when it did not); otherwise the ``tel:``
        link goes on."""
        record = self._click_record(res_model, res_id)
        user = self.env.user
        company = record.company_id[:1] if "company_id" in record else self.env.company
        region = (company or self.env.company).country_id.code or None
        e164, _reason = try_parse_number(number or "", region)
        decision = self._check(
            e164 or number,
            user=user,
            caller_number=user.callflow_default_caller_number_id,
            tz=self._record_tz(record),
        )
        if not decision.allowed:
            return {
                "allowed": False,
                "code": decision.code,
                "message": decision.message,
            }
        result = {"allowed": True, "placed": False, "number": e164}
        if self._voice_provider() != MANUAL:
            call, placed = self.env["callflow.voice"]._voice_place(
                e164,
                caller_number=user.callflow_default_caller_number_id,
                record=record,
            )
            result.update(
                placed=bool(call) and call.voice_state != "failed",
                call_id=call.id,
                message=placed.message or "",
            )
        return result

    @api.model
    def _click_record(self, res_model, res_id):
        """The record the number is shown on, readable by the user (an
        access error otherwise); an empty one for an unsaved record."""
        if res_model not in self.env:
            raise UserError(self.env._("Unknown model %(model)s.", model=res_model))
        record = self.env[res_model].browse(res_id or [])
        if record:
            if not record.exists():
                raise AccessError(self.env._("This record no longer exists."))
            record.check_access("read")
        return record

    @api.model
    def _record_tz(self, record):
        """The person's time zone from the record: its own, else its
        contact's (a lead's customer)."""
        if not record:
            return None
        if "tz" in record and record.tz:
            return record.tz
        if "partner_id" in record:
            # sudo: only the time zone of the record's contact is read
            return record.partner_id.sudo().tz or None
        return None
