"""Limits that stop abuse, not people (issue #11, section 4)."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from ..tools.client_network import client_network
from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutLimits(OptoutCase):
    def setUp(self):
        super().setUp()
        self.params = self.env["ir.config_parameter"].sudo()

    def _issue(self, number, partner=False):
        raw = self.Token._issue_tokens(
            [{"number": number, "partner_id": partner and partner.id}]
        )[0]
        return raw, self.Token._find(raw)

    def test_client_network_buckets(self):
        self.assertEqual(client_network("203.0.113.7"), "203.0.113.0/24")
        self.assertEqual(client_network("203.0.113.250"), "203.0.113.0/24")
        self.assertEqual(client_network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64")
        self.assertEqual(client_network("::ffff:198.51.100.9"), "198.51.100.0/24")
        self.assertEqual(client_network("not an address"), "")
        self.assertEqual(client_network(None), "")

    def test_personal_links_have_no_limit_per_address(self):
        """Everyone behind one proxy answers through their own link."""
        self.params.set_param("callflow_optout.rate_limit", "2")
        links = [self._issue(f"+8190555500{i:02d}") for i in range(4)]
        for raw, _token in links:
            response = self.post_answer(f"/o/{raw}", answer="no_calls")
            self.assertEqual(response.status_code, 200, raw)
            self.assertIn("your choice is saved", response.text)
        answers = self.Response.search([])
        self.assertEqual(len(answers), 4)
        self.assertEqual(set(answers.mapped("state")), {"applied"})
        self.assertFalse(answers.filtered("review_state"))

    def test_personal_link_limit_holds_a_lift_and_applies_a_stop(self):
        self.params.set_param("callflow_optout.rate_limit_token", "2")
        for answer in ("no_calls", "no_sms"):
            response = self.post_answer(f"/o/{self.raw}", answer=answer)
            self.assertEqual(response.status_code, 200)
        events = self.events()
        # Over the limit, "keep contacting me" is kept but not applied.
        held = self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        self.assertEqual(held.status_code, 202)
        self.assertIn("will be checked", held.text)
        self.assertIn("earlier choice stays in force", held.text)
        self.assertLastAnswer(
            answer="keep_contacting",
            state="held",
            review_state="to_review",
            review_reason="token",
        )
        self.assertEqual(self.events(), events)
        self.assertEqual(self.token.last_answer, "no_sms")
        # A "stop" over the limit still applies, and is marked for review.
        stop = self.post_answer(f"/o/{self.raw}", answer="stop_all")
        self.assertEqual(stop.status_code, 200)
        self.assertIn("your choice is saved", stop.text)
        self.assertLastAnswer(
            answer="stop_all", state="applied", review_state="to_review"
        )
        new = self.events() - events
        self.assertEqual({(e.channel, e.action) for e in new}, {("all", "opt_out")})
        self.assertEqual(self.token.last_answer, "stop_all")
        # Every answer is kept: four posts, four answers.
        self.assertEqual(len(self.Response.search([])), 4)

    def test_manager_approves_or_dismisses_held_answers(self):
        self.params.set_param("callflow_optout.rate_limit_token", "1")
        self.post_answer(f"/o/{self.raw}", answer="no_sms")
        self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        held = self.Response.search([("review_state", "=", "to_review")])
        self.assertEqual(held.state, "held")
        operator = new_test_user(
            self.env, login="cf_op", groups="callflow_odoo.group_callflow_operator"
        )
        with self.assertRaises(AccessError):
            held.with_user(operator).action_review_apply()
        manager = new_test_user(
            self.env, login="cf_mgr", groups="callflow_odoo.group_callflow_manager"
        )
        before = self.events()
        held.with_user(manager).action_review_apply()
        self.assertEqual((held.state, held.review_state), ("applied", "approved"))
        self.assertIn(
            ("all", "opt_in"), {(e.channel, e.action) for e in held.event_ids}
        )
        self.assertEqual(held.event_ids, self.events() - before)
        self.assertEqual(self.token.last_answer, "keep_contacting")
        # A dismissed answer is never applied.
        self.post_answer(f"/o/{self.raw}", answer="keep_contacting", comments="x")
        other = self.Response.search([("review_state", "=", "to_review")])
        other.with_user(manager).action_review_dismiss()
        self.assertEqual((other.state, other.review_state), ("held", "dismissed"))
        self.assertFalse(other.event_ids)
        # The managers' menu lists what waits for them.
        action = self.env.ref("callflow_optout.callflow_optout_response_review_action")
        self.assertIn("search_default_to_review", action.context)

    def test_tokenless_limit_per_number(self):
        self.params.set_param("callflow_optout.rate_limit_number", "2")
        url = "/callflow/optout"
        for answer in ("no_calls", "no_sms"):
            response = self.post_answer(
                url, number_input="090-1234-5678", answer=answer
            )
            self.assertEqual(response.status_code, 200)
        held = self.post_answer(
            url, number_input="090-1234-5678", answer="keep_contacting"
        )
        self.assertEqual(held.status_code, 202)
        self.assertIn("many answers for this number", held.text)
        answer = self.assertLastAnswer(
            state="held", review_state="to_review", review_reason="number"
        )
        self.assertEqual(answer.number, self.number)
        # Another number from the same network is not concerned.
        other = self.post_answer(
            url, number_input="090-7777-6666", answer="keep_contacting"
        )
        self.assertEqual(other.status_code, 200)

    def test_tokenless_limit_per_network_ignores_forwarded_for(self):
        """Without proxy_mode, X-Forwarded-For is the visitor's to choose: it
        must not move them into another bucket."""
        self.params.set_param("callflow_optout.rate_limit", "2")
        numbers = ["090-1111-0001", "090-1111-0002", "090-1111-0003"]
        statuses = []
        for i, number in enumerate(numbers):
            data = {
                "answer": "keep_contacting",
                "number_input": number,
                "csrf_token": self.csrf("/callflow/optout"),
            }
            response = self.url_open(
                "/callflow/optout",
                data=data,
                headers={"X-Forwarded-For": f"198.51.{i}.{i + 7}"},
            )
            statuses.append(response.status_code)
        self.assertEqual(statuses, [200, 200, 202])
        answers = self.Response.search([])
        self.assertEqual(len(answers), 3)
        self.assertEqual(set(answers.mapped("request_ip")), {"127.0.0.1"})
        self.assertEqual(set(answers.mapped("request_network")), {"127.0.0.0/24"})
        last = answers[0]
        self.assertEqual((last.state, last.review_reason), ("held", "network"))
        # A stop from the same network over the limit still applies.
        stop = self.post_answer(
            "/callflow/optout", number_input="090-1111-0004", answer="stop_all"
        )
        self.assertEqual(stop.status_code, 200)
        self.assertEqual(self.Response.search([], limit=1).state, "applied")

    def test_client_address_is_the_one_proxy_mode_gives(self):
        """Behind a proxy (``proxy_mode`` on), Odoo's ProxyFix takes the
        address the proxy reports, and the limits count that network."""
        self.params.set_param("callflow_optout.rate_limit", "1")
        headers = {
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": "127.0.0.1",
            "X-Forwarded-Proto": "http",
        }
        csrf = self.csrf("/callflow/optout")
        with patch.dict(config.options, {"proxy_mode": True}):
            for number in ("090-1111-0001", "090-1111-0002"):
                data = {
                    "answer": "keep_contacting",
                    "number_input": number,
                    "csrf_token": csrf,
                }
                self.url_open("/callflow/optout", data=data, headers=headers)
        answers = self.Response.search([])
        self.assertEqual(set(answers.mapped("request_ip")), {"203.0.113.9"})
        self.assertEqual(answers.mapped("request_network"), ["203.0.113.0/24"] * 2)
        self.assertEqual(answers.mapped("state"), ["held", "applied"])
        # The same headers without proxy_mode change nothing.
        self.url_open(
            "/callflow/optout",
            data={
                "answer": "no_sms",
                "number_input": "090-1111-0003",
                "csrf_token": csrf,
            },
            headers=headers,
        )
        self.assertEqual(self.Response.search([], limit=1).request_ip, "127.0.0.1")

    def test_honeypot_never_drops_an_answer_with_a_valid_token(self):
        response = self.post_answer(
            f"/o/{self.raw}", answer="no_calls", homepage="autofilled"
        )
        self.assertEqual(response.status_code, 200)
        answer = self.Response.search([])
        self.assertEqual((answer.answer, answer.state), ("no_calls", "applied"))
        self.assertEqual(self.events().mapped("channel"), ["call"])

    def test_tokenless_crm_side_effects_come_after_the_request(self):
        """The visitor's request does the same work for a CRM number as for
        an unknown one; notes and the activity follow from a cron job."""
        cron = self.env.ref("callflow_optout.ir_cron_notify_owners")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        notes = self.lead.message_ids
        response = self.post_answer(
            "/callflow/optout", number_input="090-1234-5678", answer="no_calls"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.lead.message_ids, notes)
        self.assertFalse(self.partner.activity_ids)
        answer = self.Response.search([])
        self.assertTrue(answer.notify_pending)
        self.assertEqual(self.events().mapped("channel"), ["call"])
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )
        self.Response._cron_notify_owners()
        self.assertFalse(answer.notify_pending)
        note = self.lead.message_ids - notes
        self.assertEqual(len(note), 1)
        self.assertIn("did not verify", note.body)
        # A personal link still tells the owner at once.
        self.post_answer(f"/o/{self.raw}", answer="no_sms")
        self.assertTrue(self.partner.activity_ids)
