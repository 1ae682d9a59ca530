"""Where each number came from: its first event in the ledger.

Kept apart from ``callflow_preference_state.py`` so that the provenance stays
one small, separate piece: not stored (the state row is upserted by
concurrent opt-outs and must not be rewritten by each event).
"""

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..tools.phone import format_number

SUMMARY_MAX = 80


class CallflowPreferenceState(models.Model):
    _inherit = "callflow.preference.state"

    provenance_source = fields.Selection(
        selection="_selection_provenance_source",
        string="Obtained from",
        compute="_compute_provenance",
        help="Where the number first reached the ledger: event registration, "
        "contact form, import, operator, opt-out page...",
    )
    provenance_date = fields.Datetime(
        string="Obtained on",
        compute="_compute_provenance",
        help="When the number's first ledger event was recorded.",
    )
    provenance = fields.Char(
        compute="_compute_provenance",
        help="Where and when the number was obtained, with its evidence.",
    )

    @api.model
    def _selection_provenance_source(self):
        # The ledger's sources, with those other addons add.
        return self.env["callflow.preference.event"]._fields["source"].selection

    def _compute_provenance(self):
        found = self._provenance([n for n in self.mapped("number") if n])
        for state in self:
            first = found.get(state.number)
            state.provenance_source = first and first["source"]
            state.provenance_date = first and first["date"]
            state.provenance = first and first["label"]

    @api.model
    def _provenance(self, numbers):
        """First ledger event of each number, in one query.

        :return: ``{number: {"source", "date", "label"}}`` (numbers without
                 any event are left out)

        sudo: the origin of a number is shown to whoever may call it, also
        without access to the ledger's evidence; only the source, the date
        and the event's reason are exposed.
        """
        if not numbers:
            return {}
        Event = self.env["callflow.preference.event"].sudo()
        Event.flush_model(["number", "source", "event_date", "reason"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (number) number, source, event_date, reason
                  FROM callflow_preference_event
                 WHERE number = ANY(%(numbers)s)
                 ORDER BY number, event_date, id
                """,
                numbers=sorted(set(numbers)),
            )
        )
        sources = dict(Event._fields["source"]._description_selection(self.env))
        result = {}
        for number, source, date, reason in self.env.cr.fetchall():
            label = self.env._(
                "%(origin)s, %(date)s",
                origin=sources.get(source, source),
                date=format_date(self.env, date),
            )
            if reason:
                summary = (
                    reason if len(reason) <= SUMMARY_MAX else reason[:SUMMARY_MAX] + "…"
                )
                label = self.env._("%(label)s: %(reason)s", label=label, reason=summary)
            result[number] = {"source": source, "date": date, "label": label}
        return result

    @api.model
    def _provenance_of_contacts(self, contacts):
        """Provenance lines of several contacts (one per known number).

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
                         as for ``_callflow_summarise_contacts``
        :return: ``{key: str}`` (empty when no number has a ledger event)
        """
        # sudo: see _provenance.
        Mixin = self.env["callflow.preference.mixin"].sudo()
        numbers_by_key, _partners = Mixin._callflow_contact_numbers(contacts)
        found = self._provenance(set().union(*numbers_by_key.values()))
        return {
            key: "; ".join(
                self.env._(
                    "%(number)s: %(provenance)s",
                    number=format_number(number),
                    provenance=found[number]["label"],
                )
                for number in sorted(numbers)
                if number in found
            )
            for key, numbers in numbers_by_key.items()
        }

    def action_export_ledger(self):
        """Everything the ledger holds for this number."""
        self.ensure_one()
        return self.env["callflow.ledger.export"]._action_open(number=self.number)
