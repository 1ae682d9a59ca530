from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import format_date

from ..tools.hours import format_hours
from ..tools.phone import format_number, try_parse_number
from ..tools.preference_sql import REASON_RANK, first_events_sql

# Longest reason quoted in a number's provenance.
SUMMARY_MAX = 80


class ContactFacts(NamedTuple):
    """What the ledger knows of some contacts (``_callflow_summarise_contacts``)."""

    numbers_by_key: dict  # {key: set of e164}
    blocked: dict  # {channel: {e164: reason}}, call and sms
    event_groups: list  # [(partner, number, count)] of the ledger's events
    hours: dict  # {e164: (days, from, to)} the person asked to be called at


class CallflowPreferenceMixin(models.AbstractModel):
    """What the contact preference ledger says about a record's person and
    numbers: the warning banner, the count of events, where the numbers were
    obtained, and the button to the events.

    Like ``mail.thread.phone`` for phone numbers, one mixin serves every
    model with a person and numbers: it reads them through
    ``_callflow_contact`` (by default the ``phone`` and ``mobile`` fields, the
    ``partner_id`` and the ``country_id`` the model has); a model whose
    person or region lives elsewhere overrides the small hooks below.
    """

    _name = "callflow.preference.mixin"
    _description = "Contact Preference Summary"

    callflow_preference_count = fields.Integer(
        string="Preference events",
        compute="_compute_callflow_preferences",
        help="Contact preference events recorded for this contact or its numbers.",
    )
    callflow_preference_warning = fields.Char(
        string="Contact preference warning",
        compute="_compute_callflow_preferences",
        help="Set when the person opted out, refused or must not be called.",
    )
    callflow_provenance = fields.Char(
        string="Numbers obtained",
        compute="_compute_callflow_provenance",
        help="Where and when each of the contact's numbers was obtained, from "
        "its first contact preference event.",
    )

    # --- hooks ------------------------------------------------------------
    def _callflow_number_fields(self):
        """Fields holding the record's numbers, in the order shown."""
        return [fname for fname in ("phone", "mobile") if fname in self._fields]

    def _callflow_partner(self):
        """The contact whose own events count too (may be empty)."""
        if "partner_id" in self._fields:
            return self.partner_id
        return self.env["res.partner"]

    def _callflow_region(self):
        """Country code to read national numbers in."""
        self.ensure_one()
        country = self.country_id if "country_id" in self._fields else False
        return (country and country.code) or self.env.company.country_id.code

    def _callflow_contact_depends(self):
        return [
            *self._callflow_number_fields(),
            *(f for f in ("country_id", "partner_id") if f in self._fields),
        ]

    # --- shared behaviour -------------------------------------------------
    def _callflow_contact(self):
        """``(partner id, numbers, region)``: what the ledger is asked about."""
        self.ensure_one()
        return (
            self._callflow_partner().id,
            [self[fname] for fname in self._callflow_number_fields()],
            self._callflow_region(),
        )

    @api.depends(lambda self: self._callflow_contact_depends())
    def _compute_callflow_preferences(self):
        summary = self._callflow_summarise_contacts(
            {record: record._callflow_contact() for record in self}
        )
        for record in self:
            record.callflow_preference_count = summary[record]["event_count"]
            record.callflow_preference_warning = summary[record]["warning"]

    @api.depends(lambda self: self._callflow_contact_depends())
    def _compute_callflow_provenance(self):
        found = self._callflow_provenance_of_contacts(
            {record: record._callflow_contact() for record in self}
        )
        for record in self:
            record.callflow_provenance = found[record]

    def action_view_callflow_preferences(self):
        """The ledger's events of this record's contact and numbers."""
        self.ensure_one()
        contact = self._callflow_contact()
        summary = self._callflow_summarise_contacts({self: contact})
        return self._callflow_action_open_events(
            contact[0], summary[self]["numbers"], self.display_name
        )

    # --- the ledger's summary of contacts (also for the ledger's export) ---
    @api.model
    def _callflow_contact_numbers(self, contacts):
        """The E.164 numbers of each contact: those typed on the record, and
        those the ledger already links to the contact.

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
        :return: ``({key: set of e164}, set of partner ids)``
        """
        numbers_by_key = {}
        keys_by_partner = {}
        for key, (partner, raw_numbers, region) in contacts.items():
            numbers_by_key[key] = {
                e164
                for e164, _error in (
                    try_parse_number(raw, region) for raw in raw_numbers
                )
                if e164
            }
            if partner:
                keys_by_partner.setdefault(partner, []).append(key)
        if keys_by_partner:
            for state in self.env["callflow.preference.state"].search_fetch(
                [("partner_id", "in", list(keys_by_partner))], ["number", "partner_id"]
            ):
                for key in keys_by_partner[state.partner_id.id]:
                    numbers_by_key[key].add(state.number)
        return numbers_by_key, set(keys_by_partner)

    @api.model
    def _callflow_provenance(self, numbers):
        """First ledger event of each number (where it was obtained), in one
        query.

        :return: ``{number: {"source", "date", "label"}}`` (numbers without
                 any event are left out)

        sudo: the origin of a number is shown to whoever may call it, also
        without access to the ledger's evidence; only the source, the date
        and the event's reason are exposed.
        """
        numbers = {n for n in numbers if n}
        if not numbers:
            return {}
        Event = self.env["callflow.preference.event"].sudo()
        Event.flush_model(["number", "source", "event_date", "reason"])
        self.env.cr.execute(first_events_sql(numbers))
        sources = dict(Event._fields["source"]._description_selection(self.env))
        return {
            number: {
                "source": source,
                "date": date,
                "label": self._callflow_provenance_label(
                    sources.get(source, source), date, reason
                ),
            }
            for number, source, date, reason in self.env.cr.fetchall()
        }

    @api.model
    def _callflow_provenance_label(self, origin, date, reason):
        """Origin and date of a number, then its first event's reason
        (shortened): "Import, 11/25/2026: Trade fair list 2025"."""
        label = self.env._(
            "%(origin)s, %(date)s", origin=origin, date=format_date(self.env, date)
        )
        if not reason:
            return label
        if len(reason) > SUMMARY_MAX:
            reason = reason[:SUMMARY_MAX] + "…"
        return self.env._("%(label)s: %(reason)s", label=label, reason=reason)

    @api.model
    def _callflow_provenance_of_contacts(self, contacts):
        """Provenance lines of several contacts (one per known number).

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
                         as for ``_callflow_summarise_contacts``
        :return: ``{key: str}`` (empty when no number has a ledger event)
        """
        # sudo: see _callflow_provenance.
        numbers_by_key, _partners = self.sudo()._callflow_contact_numbers(contacts)
        found = self._callflow_provenance(set().union(*numbers_by_key.values()))
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

    @api.model
    def _callflow_summarise_contacts(self, contacts):
        """Preference summary of several contacts at once.

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
        :return: ``{key: {"numbers": [e164], "event_count": int,
                  "warning": str}}`` (warning empty when nothing is blocked)

        A handful of queries for any number of records (no query per record).
        sudo: the warning must reach every user who might contact the person,
        also users without access to the ledger; only counts and reason labels
        are exposed.
        """
        facts = self.sudo()._callflow_contact_facts(contacts)  # sudo: see above
        result = {}
        for key, (partner, _n, _r) in contacts.items():
            numbers = facts.numbers_by_key[key]
            result[key] = {
                "numbers": sorted(numbers),
                "event_count": sum(
                    count
                    for group_partner, number, count in facts.event_groups
                    if (partner and group_partner.id == partner) or number in numbers
                ),
                "warning": self._callflow_contact_warning(numbers, facts),
            }
        return result

    @api.model
    def _callflow_contact_facts(self, contacts):
        """What the summary of ``contacts`` needs, read in a few queries."""
        numbers_by_key, partner_ids = self._callflow_contact_numbers(contacts)
        State = self.env["callflow.preference.state"]
        all_numbers = set().union(*numbers_by_key.values()) if numbers_by_key else set()
        groups = []
        if all_numbers or partner_ids:
            groups = self.env["callflow.preference.event"]._read_group(
                [
                    "|",
                    ("partner_id", "in", list(partner_ids)),
                    ("number", "in", list(all_numbers)),
                ],
                ["partner_id", "number"],
                ["__count"],
            )
        return ContactFacts(
            numbers_by_key=numbers_by_key,
            blocked={
                channel: State._check_numbers(all_numbers, channel)
                for channel in ("call", "sms")
            },
            event_groups=groups,
            hours=State._call_hours(all_numbers),
        )

    @api.model
    def _callflow_contact_warning(self, numbers, facts):
        """The banner text for a contact with ``numbers``: the strongest
        block per channel, and the hours the person asked to be called at;
        empty when there is nothing to say."""
        State = self.env["callflow.preference.state"]
        channel_labels = {"call": self.env._("Calls"), "sms": self.env._("SMS")}
        parts = []
        for channel in ("call", "sms"):
            blocked = facts.blocked[channel]
            reasons = {blocked[n] for n in numbers if n in blocked}
            if reasons:
                strongest = min(reasons, key=REASON_RANK.get)
                parts.append(
                    self.env._(
                        "%(channel)s: %(reason)s",
                        channel=channel_labels[channel],
                        reason=State._reason_label(strongest),
                    )
                )
        lang = self.env.lang or "en_US"
        for number in sorted(numbers):
            if number in facts.hours and number not in facts.blocked["call"]:
                parts.append(
                    self.env._(
                        "%(channel)s: only %(hours)s (their time)",
                        channel=channel_labels["call"],
                        hours=format_hours(*facts.hours[number], lang),
                    )
                )
        if not parts:
            return ""
        return self.env._(
            "Contact preferences: %(blocked)s. Check the history before "
            "contacting this person.",
            blocked="; ".join(parts),
        )

    @api.model
    def _callflow_action_open_events(self, partner_id, numbers, name):
        """Event history of a contact: its own events and its numbers'."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_preference_event_action"
        )
        domain = [("number", "in", list(numbers))]
        if partner_id:
            domain = ["|", ("partner_id", "=", partner_id), *domain]
        action.update(domain=domain, name=name, context={"create": False})
        return action
