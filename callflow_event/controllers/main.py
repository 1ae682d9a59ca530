"""The attendee form asks how each attendee may be contacted."""

from odoo.http import request

from odoo.addons.website_event.controllers.main import WebsiteEventController

ANSWER_FIELDS = ("callflow_contact_choice", "callflow_contact_note")


class CallflowWebsiteEventController(WebsiteEventController):
    def _process_attendees_form(self, event, form_details):
        answers = {}
        rest = {}
        for key, value in form_details.items():
            index, _sep, field = key.partition("-")
            if field in ANSWER_FIELDS:
                answers.setdefault(index, {})[field] = value
            else:
                rest[key] = value
        if not answers:
            return super()._process_attendees_form(event, form_details)
        # Odoo's parser forgets which attendee index each registration came
        # from; parse one attendee at a time (with the answers common to the
        # order, index 0) so each answer lands on its own attendee.
        indexes = []
        for key in rest:
            index = key.partition("-")[0]
            if "-" in key and index != "0" and index not in indexes:
                indexes.append(index)
        Registration = request.env["event.registration"]
        registrations = []
        for index in indexes:
            own = {
                key: value
                for key, value in rest.items()
                if "-" not in key or key.partition("-")[0] in (index, "0")
            }
            answer = answers.get(index, {})
            clean = Registration._callflow_clean_answer(
                answer.get("callflow_contact_choice"),
                answer.get("callflow_contact_note"),
            )
            for registration in super()._process_attendees_form(event, own):
                registration.update(clean)
                registrations.append(registration)
        return registrations

    def _create_attendees_from_registration_post(self, event, registration_data):
        attendees_sudo = super()._create_attendees_from_registration_post(
            event, registration_data
        )
        # sudo: Odoo created the attendees as superuser for the public
        # visitor; the ledger is written only by server code like this.
        attendees_sudo._callflow_record_contact_choice(
            request_ip=request.httprequest.remote_addr,
            user_agent=request.httprequest.headers.get("User-Agent"),
        )
        return attendees_sudo
