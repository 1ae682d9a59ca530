"""Only the person can lift their own block (issue #11 §1), and email opt-outs
reach Odoo's email blacklist (§6)."""

from lxml import html

from odoo.tests import tagged

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOnlyThePersonLifts(OptoutCase):
    def setUp(self):
        super().setUp()
        # An operator marked the number do-not-call on every channel.
        self.Event._record(
            [
                {
                    "number": self.number,
                    "partner_id": self.partner.id,
                    "channel": "all",
                    "action": "dnc",
                    "source": "operator",
                }
            ]
        )
        self.assertDncEverywhere()

    def submit_contact_form(self, choice):
        csrf = html.fromstring(self.url_open("/callflow/optout").content).xpath(
            "//input[@name='csrf_token']/@value"
        )[0]
        response = self.url_open(
            "/website/form/crm.lead",
            data={
                "contact_name": "Someone Else",
                "email_from": "someone@example.com",
                "name": "Call me",
                "description": "Please call",
                "phone": "090-1234-5678",
                "callflow_contact_choice": choice,
                "csrf_token": csrf,
            },
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_page_without_link_records_the_wish_but_lifts_nothing(self):
        response = self.keep_contacting()
        self.assertIn("that stop still holds", response.text)
        self.assertNotIn("we may keep contacting you", response.text)
        [event] = self.events().filtered(lambda e: e.action == "opt_in")
        self.assertEqual((event.channel, event.source), ("all", "web"))
        self.assertDncEverywhere()

    def test_contact_form_opt_in_lifts_nothing(self):
        for choice in ("phone", "sms"):
            self.submit_contact_form(choice)
        sources = self.events().filtered(lambda e: e.action == "opt_in")
        self.assertEqual(set(sources.mapped("source")), {"website_form"})
        self.assertEqual(set(sources.mapped("channel")), {"call", "sms"})
        self.assertDncEverywhere()

    def test_personal_link_lifts(self):
        self.keep_contacting()
        self.assertDncEverywhere()
        response = self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        self.assertIn("we may keep contacting you", response.text)
        self.assertEqual(self.blocked(), {"call": None, "sms": None})
        self.assertFalse(self.blacklisted())
        lifting = self.events().filtered(lambda e: e.action == "opt_in")
        self.assertEqual(sorted(lifting.mapped("source")), ["link", "web"])

    def test_preferred_hours_are_lifted_only_by_the_person(self):
        weekdays = {f"times_day_{d}": "1" for d in "12345"}
        self.post_answer(
            f"/o/{self.raw}",
            answer="certain_times",
            times_from="10",
            times_to="12",
            **weekdays,
        )
        State = self.env["callflow.preference.state"]
        self.assertTrue(State._call_hours([self.number]))
        self.keep_contacting()
        self.assertTrue(State._call_hours([self.number]))
        self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        self.assertFalse(State._call_hours([self.number]))


@tagged("post_install", "-at_install")
class TestEmailStops(OptoutCase):
    def entry(self, email):
        return (
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", email)])
        )

    def test_stop_all_blacklists_the_typed_email_and_says_only_that(self):
        response = self.post_answer(
            "/callflow/optout",
            number_input="080-9999-1111",
            email="Visitor@Example.com",
        )
        self.assertNotIn("phone, SMS or email", response.text)
        self.assertIn("We will not call you or send you SMS again", response.text)
        self.assertIn("no more marketing email to", response.text)
        self.assertIn("visitor@example.com", response.text)
        entry = self.entry("visitor@example.com")
        self.assertTrue(entry.active)
        self.assertEqual(entry.callflow_number, "+818099991111")
        # without an email there is nothing to blacklist, and the page says so
        response = self.post_answer("/callflow/optout", number_input="080-9999-2222")
        self.assertNotIn("no more marketing email", response.text)
        self.assertIn("To stop our marketing email too", response.text)

    def test_link_blacklists_the_contact_email_and_only_the_person_lifts_it(self):
        self.partner.email = "yamada@example.com"
        # "wrong person": the contact's email is not theirs to stop
        self.post_answer(f"/o/{self.raw}", reason="wrong_person")
        self.assertFalse(self.entry("yamada@example.com"))
        response = self.post_answer(f"/o/{self.raw}")
        self.assertIn("to the address we have for you", response.text)
        self.assertNotIn("yamada@example.com", response.text)
        entry = self.entry("yamada@example.com")
        self.assertTrue(entry.active)
        self.assertBlocked(self.number, "email")
        self.post_answer(
            "/callflow/optout", number_input="090-1234-5678", answer="keep_contacting"
        )
        self.assertTrue(entry.active)
        self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        self.assertFalse(entry.active)
        self.assertNotBlocked(self.number, "email")
