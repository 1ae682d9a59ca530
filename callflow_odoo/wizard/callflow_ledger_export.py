import base64

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.ledger_csv import format_delay, rows_to_csv
from ..tools.phone import try_parse_number
from ..tools.phone_errors import parse_error_message

# Actions that stop contact: the audit measures how fast each took effect.
BLOCKING_ACTIONS = ("opt_out", "refusal", "dnc", "obsolete")


class CallflowLedgerExport(models.TransientModel):
    """Managers export the ledger: everything it holds for one person or
    number (an access request under GDPR Art. 15 or APPI), or an audit of
    the opt-outs of a period and how fast each took effect."""

    _name = "callflow.ledger.export"
    _description = "Export the contact preference ledger"

    mode = fields.Selection(
        [("person", "One person or number"), ("audit", "Audit of a period")],
        required=True,
        default="person",
    )
    partner_id = fields.Many2one("res.partner", string="Contact")
    number = fields.Char(help="A phone number, in any usual format.")
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    data = fields.Binary(string="Export file", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.model
    def _action_open(self, partner=None, number=None, mode="person"):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_ledger_export_action"
        )
        action["context"] = {
            "default_mode": mode,
            "default_partner_id": partner.id if partner else False,
            "default_number": number or False,
        }
        return action

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------

    def _person_events(self):
        """The events of the contact and of its numbers, or of the number."""
        self.ensure_one()
        numbers = set()
        region = (self.partner_id.country_id or self.env.company.country_id).code
        if self.number:
            e164, error = try_parse_number(self.number, region)
            if not e164:
                raise UserError(
                    self.env._(
                        "“%(number)s” is not a usable phone number (%(error)s).",
                        number=self.number,
                        error=parse_error_message(self.env, error),
                    )
                )
            numbers.add(e164)
        domain = []
        if self.partner_id:
            Mixin = self.env["callflow.preference.mixin"]
            summary = Mixin._callflow_summarise_contacts(
                {
                    self.partner_id: (
                        self.partner_id.id,
                        [self.partner_id.phone, self.partner_id.mobile],
                        region,
                    )
                }
            )
            numbers.update(summary[self.partner_id]["numbers"])
            domain = [("partner_id", "=", self.partner_id.id)]
        if not domain and not numbers:
            raise UserError(self.env._("Choose a contact or type a number."))
        if numbers:
            domain = (
                ["|", *domain, ("number", "in", sorted(numbers))]
                if domain
                else [("number", "in", sorted(numbers))]
            )
        # The user's own access: record rules keep other companies' evidence
        # out, as everywhere else.
        return self.env["callflow.preference.event"].search(
            domain, order="event_date, id"
        )

    def _labels(self, field):
        return dict(
            self.env["callflow.preference.event"]
            ._fields[field]
            ._description_selection(self.env)
        )

    def _event_columns(self, contact=False):
        """``[(header, value of an event)]``: the columns both exports start
        with (``contact``: with the contact's name)."""
        labels = {
            f: self._labels(f)
            for f in ("channel", "scope", "purpose", "action", "source")
        }

        def label(field):
            return lambda event: labels[field].get(event[field])

        columns = [
            (self.env._("Event ID"), lambda event: event.id),
            (
                self.env._("Date (UTC)"),
                lambda event: fields.Datetime.to_string(event.event_date),
            ),
            (self.env._("Number"), lambda event: event.number),
        ]
        if contact:
            columns.append(
                (self.env._("Contact"), lambda event: event.partner_id.display_name)
            )
        return columns + [
            (self.env._("Channel"), label("channel")),
            (self.env._("Scope"), label("scope")),
            (self.env._("Purpose"), label("purpose")),
            (self.env._("Action"), label("action")),
            (self.env._("Source"), label("source")),
            (self.env._("Reason"), lambda event: event.reason),
        ]

    @staticmethod
    def _columns_csv(columns, events):
        return rows_to_csv(
            [header for header, _value in columns],
            [[value(event) for _header, value in columns] for event in events],
        )

    def _person_csv(self):
        columns = self._event_columns(contact=True) + [
            (self.env._("Evidence"), lambda event: event.evidence),
            (self.env._("Email"), lambda event: event.email),
            (self.env._("Company"), lambda event: event.company_id.name),
            (self.env._("Recorded by"), lambda event: event.user_id.name),
        ]
        return self._columns_csv(columns, self._person_events())

    def _audit_events(self):
        """The blocking events of the chosen period."""
        self.ensure_one()
        if not self.date_from or not self.date_to or self.date_from > self.date_to:
            raise UserError(
                self.env._("Choose a period: a start date and an end date.")
            )
        return self.env["callflow.preference.event"].search(
            [
                ("action", "in", BLOCKING_ACTIONS),
                ("event_date", ">=", fields.Datetime.to_datetime(self.date_from)),
                (
                    "event_date",
                    "<",
                    fields.Datetime.to_datetime(fields.Date.add(self.date_to, days=1)),
                ),
            ],
            order="event_date, id",
        )

    def _first_blocked(self, events):
        """``{event id: first blocked pick of the number at or after the
        event}``, one query."""
        self.env["callflow.preference.block"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id, b.first_blocked
                  FROM callflow_preference_event e
                  CROSS JOIN LATERAL (
                        SELECT min(blocked_at) AS first_blocked
                          FROM callflow_preference_block
                         WHERE number = e.number AND blocked_at >= e.event_date
                  ) b
                 WHERE e.id = ANY(%(ids)s)
                """,
                ids=events.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _audit_csv(self):
        events = self._audit_events()
        first_blocked = self._first_blocked(events)

        def blocked_at(event):
            blocked = first_blocked.get(event.id)
            return fields.Datetime.to_string(blocked) if blocked else ""

        def delay(event):
            blocked = first_blocked.get(event.id)
            if not blocked:
                return ""
            return format_delay((blocked - event.event_date).total_seconds())

        columns = self._event_columns() + [
            (self.env._("First blocked pick (UTC)"), blocked_at),
            (self.env._("Took effect after"), delay),
        ]
        return self._columns_csv(columns, events)

    # ------------------------------------------------------------------
    # Button
    # ------------------------------------------------------------------

    def action_export_csv(self):
        self.ensure_one()
        if self.mode == "audit":
            content = self._audit_csv()
            name = f"callflow-audit-{self.date_from}-{self.date_to}.csv"
        else:
            content = self._person_csv()
            name = "callflow-ledger-{}.csv".format(
                self.partner_id.id
                or "".join(c for c in self.number or "" if c.isalnum())
            )
        self.write({"data": base64.b64encode(content), "file_name": name})
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content?model={self._name}&id={self.id}&field=data"
            "&filename_field=file_name&download=true",
            "target": "self",
        }

    def action_export_pdf(self):
        """The person's record as a document (person mode only)."""
        self.ensure_one()
        self._person_events()  # a clear error before the report
        return self.env.ref(
            "callflow_odoo.callflow_ledger_export_report"
        ).report_action(self)
