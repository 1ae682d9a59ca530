import base64
import csv
import io
from datetime import timedelta

from odoo import fields, http
from odoo.tests import HttpCase, new_test_user, tagged

NUMBER = "+819022223333"


class EventCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref("base.jp")
        cls.seminar = cls.env["event.event"].create(
            {
                "name": "Callflow Seminar Tokyo",
                "date_begin": fields.Datetime.now() + timedelta(days=10),
                "date_end": fields.Datetime.now() + timedelta(days=10, hours=3),
                "website_published": True,
                "company_id": cls.company.id,
            }
        )
        cls.Event = cls.env["callflow.preference.event"]
        cls.State = cls.env["callflow.preference.state"]
        cls.manager = new_test_user(
            cls.env,
            "cf_event_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )

    def register(self, choice, phone="090-2222-3333", note=False):
        registration = self.env["event.registration"].create(
            {
                "event_id": self.seminar.id,
                "name": "Suzuki Hanako",
                "email": "hanako@example.com",
                "phone": phone,
                "callflow_contact_choice": choice,
                "callflow_contact_note": note,
            }
        )
        registration._callflow_record_contact_choice(request_ip="127.0.0.1")
        return registration


@tagged("post_install", "-at_install")
class TestRegistrationTour(EventCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_email_only_on_a_phone(self):
        self.start_tour("/event", "callflow_event_email_only")
        registration = self.env["event.registration"].search(
            [("event_id", "=", self.seminar.id)]
        )
        self.assertEqual(registration.callflow_contact_choice, "email_only")
        self.assertEqual(registration.callflow_contact_note, "please email me")
        events = registration.callflow_preference_event_ids
        self.assertEqual(
            sorted((e.number, e.channel, e.action, e.source) for e in events),
            [
                (NUMBER, "call", "opt_out", "event"),
                (NUMBER, "sms", "opt_out", "event"),
            ],
        )
        self.assertTrue(all("Callflow Seminar Tokyo" in e.evidence for e in events))
        self.assertEqual(set(events.mapped("reason")), {"Callflow Seminar Tokyo"})
        # Blocked for calls (and SMS), not for email.
        self.assertEqual(
            self.State._check_numbers([NUMBER], "call"), {NUMBER: "opt_out"}
        )
        self.assertEqual(self.State._check_numbers([NUMBER], "email"), {})
        state = self.State.search([("number", "=", NUMBER)])
        self.assertEqual(state.call_status, "Opted out")
        self.assertEqual(state.email_status, "Allowed")
        self.assertEqual(state.provenance_source, "event")
        self.assertIn("Event registration", state.provenance)
        self.assertIn("Callflow Seminar Tokyo", state.provenance)
        # The export holds exactly these rows, the event named as the source.
        wizard = (
            self.env["callflow.ledger.export"]
            .with_user(self.manager)
            .create({"number": "090-2222-3333"})
        )
        wizard.action_export_csv()
        rows = list(
            csv.DictReader(
                io.StringIO(base64.b64decode(wizard.data).decode("utf-8-sig"))
            )
        )
        self.assertEqual(
            sorted(int(row["Event ID"]) for row in rows), sorted(events.ids)
        )
        self.assertEqual({row["Source"] for row in rows}, {"Event registration"})
        self.assertTrue(
            all("Callflow Seminar Tokyo" in row["Evidence"] for row in rows)
        )


@tagged("post_install", "-at_install")
class TestRegistrationLedger(EventCase):
    def test_no_contact_blocks_every_channel_and_the_email(self):
        registration = self.register("none", note="no calls at all")
        self.assertEqual(
            [(e.channel, e.action) for e in registration.callflow_preference_event_ids],
            [("all", "opt_out")],
        )
        for channel in ("call", "sms", "email"):
            self.assertTrue(self.State._check_numbers([NUMBER], channel), channel)
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "hanako@example.com")])
        )

    def test_a_registration_never_lifts_a_block(self):
        self.Event._record(
            [
                {
                    "number": NUMBER,
                    "channel": "all",
                    "scope": "all",
                    "action": "opt_out",
                    "source": "web",
                }
            ]
        )
        registration = self.register("phone")
        [event] = registration.callflow_preference_event_ids
        self.assertEqual(
            (event.channel, event.action, event.source), ("call", "opt_in", "event")
        )
        self.assertFalse(event.is_self)
        self.assertEqual(
            self.State._check_numbers([NUMBER], "call"), {NUMBER: "opt_out"}
        )

    def test_without_a_number_the_answer_stays_on_the_attendee(self):
        registration = self.register("sms", phone=False)
        self.assertEqual(registration.callflow_contact_choice, "sms")
        self.assertFalse(registration.callflow_preference_event_ids)

    def test_the_attendee_form_warns_like_a_lead(self):
        """Registrations inherit callflow.preference.mixin: the attendee's
        form shows the do-not-contact banner and the button to the events,
        as leads and contacts do."""
        registration = self.register("none")
        other = self.register("phone", phone="090-1111-0002")
        self.assertIn("Opted out", registration.callflow_preference_warning)
        self.assertEqual(registration.callflow_preference_count, 1)
        self.assertFalse(other.callflow_preference_warning)
        action = registration.with_user(self.manager).action_view_callflow_preferences()
        self.assertEqual(
            self.Event.search(action["domain"]),
            registration.callflow_preference_event_ids,
        )
        form = self.env["event.registration"].get_views([(False, "form")])
        arch = form["views"]["form"]["arch"]
        self.assertIn('name="callflow_preference_warning"', arch)
        self.assertIn('name="action_view_callflow_preferences"', arch)

    def test_contact_and_lead_show_it(self):
        partner = self.env["res.partner"].create(
            {"name": "Suzuki Hanako", "mobile": "090-2222-3333"}
        )
        lead = self.env["crm.lead"].create(
            {"name": "Seminar lead", "phone": "090-2222-3333"}
        )
        self.register("email_only")
        self.assertIn("Event registration", partner.callflow_provenance)
        self.assertIn("Callflow Seminar Tokyo", partner.callflow_provenance)
        self.assertIn("Opted out", partner.callflow_preference_warning)
        self.assertIn("Event registration", lead.callflow_provenance)
        self.assertIn("Opted out", lead.callflow_preference_warning)


@tagged("post_install", "-at_install")
class TestRegistrationPost(EventCase):
    def test_each_attendee_gets_their_own_answer(self):
        questions = {q.question_type: q for q in self.seminar.question_ids}
        self.authenticate(None, None)
        data = {"csrf_token": http.Request.csrf_token(self)}
        attendees = [
            ("1", "Ito Ken", "ken@example.com", "090-1111-0001", "phone", ""),
            ("2", "Ito Mai", "mai@example.com", "090-1111-0002", "none", "no calls"),
            ("3", "Ito Rin", "rin@example.com", "090-1111-0003", "", ""),
        ]
        for index, name, email, phone, choice, note in attendees:
            data.update(
                {
                    f"{index}-name-{questions['name'].id}": name,
                    f"{index}-email-{questions['email'].id}": email,
                    f"{index}-phone-{questions['phone'].id}": phone,
                    f"{index}-callflow_contact_choice": choice,
                    f"{index}-callflow_contact_note": note,
                    f"{index}-event_ticket_id": "0",
                }
            )
        response = self.url_open(
            f"/event/{self.seminar.id}/registration/confirm", data=data
        )
        self.assertEqual(response.status_code, 200)
        registrations = self.seminar.registration_ids
        self.assertEqual(
            {
                (r.name, r.callflow_contact_choice, r.callflow_contact_note)
                for r in registrations
            },
            {
                ("Ito Ken", "phone", False),
                ("Ito Mai", "none", "no calls"),
                ("Ito Rin", False, False),
            },
        )
        self.assertEqual(
            sorted(
                (e.number, e.channel, e.action)
                for e in self.Event.search([("source", "=", "event")])
            ),
            [("+819011110001", "call", "opt_in"), ("+819011110002", "all", "opt_out")],
        )

    def test_an_unknown_answer_is_ignored(self):
        questions = {q.question_type: q for q in self.seminar.question_ids}
        self.authenticate(None, None)
        response = self.url_open(
            f"/event/{self.seminar.id}/registration/confirm",
            data={
                "csrf_token": http.Request.csrf_token(self),
                f"1-name-{questions['name'].id}": "Ito Ken",
                f"1-email-{questions['email'].id}": "ken@example.com",
                f"1-phone-{questions['phone'].id}": "090-1111-0001",
                "1-callflow_contact_choice": "call_me_maybe",
                "1-event_ticket_id": "0",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.seminar.registration_ids), 1)
        self.assertFalse(self.seminar.registration_ids.callflow_contact_choice)
        self.assertFalse(self.Event.search([("source", "=", "event")]))
