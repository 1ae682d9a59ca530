from odoo import api, fields, models
from odoo.tools import email_normalize

from odoo.addons.callflow_odoo.tools.phone import try_parse_number
from odoo.addons.callflow_optout.models.callflow_optout_response import (
    EMAIL_ONLY_EVENTS,
)

CONTACT_CHOICES = [
    ("phone", "Phone OK"),
    ("email_only", "Email only"),
    ("sms", "SMS OK"),
    ("none", "No contact"),
]
# Ledger events per answer: (channel, action).  "No contact" stops every
# channel, email included (the attendee's email then reaches the email
# blacklist through the ledger).
CHOICE_EVENTS = {
    "phone": [("call", "opt_in")],
    "email_only": EMAIL_ONLY_EVENTS,
    "sms": [("sms", "opt_in")],
    "none": [("all", "opt_out")],
}
NOTE_MAX = 500


class EventRegistration(models.Model):
    _name = "event.registration"
    _inherit = ["event.registration", "callflow.preference.mixin"]

    callflow_contact_choice = fields.Selection(
        CONTACT_CHOICES,
        string="May contact by",
        readonly=True,
        help="What the attendee answered on the registration form; written to "
        "the contact preference ledger when they registered.",
    )
    callflow_contact_note = fields.Char(
        string="Contact note",
        readonly=True,
        help="The attendee's own words, e.g. “please email me”.",
    )
    callflow_preference_event_ids = fields.One2many(
        "callflow.preference.event",
        "event_registration_id",
        string="Contact preferences",
        readonly=True,
        groups="callflow_odoo.group_callflow_operator",
    )

    def _callflow_region(self):
        """Numbers typed at registration read in the event's country."""
        self.ensure_one()
        return (
            self.event_id.country_id
            or self.event_id.company_id.country_id
            or self.env.company.country_id
        ).code

    def _callflow_contact_depends(self):
        return super()._callflow_contact_depends() + ["event_id.country_id"]

    def _get_website_registration_allowed_fields(self):
        return super()._get_website_registration_allowed_fields() | {
            "callflow_contact_choice",
            "callflow_contact_note",
        }

    def _callflow_record_contact_choice(self, request_ip=None, user_agent=None):
        """Write the attendees' answers to the preference ledger, one batch.

        Source "event registration": it is recorded, shown and exported, but
        never lifts a block (it is not in ``SELF_SOURCES``: anyone can type
        a number on a registration form).  Attendees without a usable number
        keep their answer on the registration only.
        """
        choices = dict(
            self._fields["callflow_contact_choice"]._description_selection(self.env)
        )
        vals_list = []
        for registration in self.filtered("callflow_contact_choice"):
            region = (
                registration.event_id.country_id
                or registration.event_id.company_id.country_id
                or self.env.company.country_id
            ).code
            number, _error = try_parse_number(registration.phone, region)
            if not number:
                continue
            evidence = self.env._(
                "Registration for the event “%(event)s” (attendee #%(attendee)s), "
                "answer: %(choice)s; note: %(note)s; user agent: %(agent)s",
                event=registration.event_id.name,
                attendee=registration.id,
                choice=choices[registration.callflow_contact_choice],
                note=registration.callflow_contact_note or "-",
                agent=user_agent or "-",
            )
            for channel, action in CHOICE_EVENTS[registration.callflow_contact_choice]:
                vals_list.append(
                    {
                        "number": number,
                        "partner_id": registration.partner_id.id,
                        "email": email_normalize(registration.email) or False,
                        "channel": channel,
                        "scope": "all",
                        "action": action,
                        "source": "event",
                        "reason": registration.event_id.name,
                        "evidence": evidence,
                        "request_ip": request_ip,
                        "event_registration_id": registration.id,
                        "company_id": registration.event_id.company_id.id
                        or self.env.company.id,
                    }
                )
        if not vals_list:
            return self.env["callflow.preference.event"]
        return self.env["callflow.preference.event"]._record(vals_list)

    @api.model
    def _callflow_clean_answer(self, choice, note):
        """The posted answer, or an empty dict when it is not one of ours."""
        values = {}
        if choice in dict(CONTACT_CHOICES):
            values["callflow_contact_choice"] = choice
            if note and note.strip():
                values["callflow_contact_note"] = note.strip()[:NOTE_MAX]
        return values
