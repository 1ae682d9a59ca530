"""The operator's day (#16): where they land, what the dialer shows, the
result picker, the confirmation after each call and the script in their
language."""

import importlib.util
import json
from pathlib import Path

from odoo.tests import BaseCase, HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL, sql

from odoo.addons.callflow_odoo.tools.phone import display_number

from .common import lead_call_list, log_call

OPERATOR_GROUPS = "base.group_user,callflow_odoo.group_callflow_operator"


class OperatorDayCase:
    """A Japanese company, an operator and a running list of four leads
    with Japanese mobile numbers, callable at any time."""

    @classmethod
    def setup_day(cls, lang="en_US"):
        env = cls.env
        cls.company = env.company
        cls.company.country_id = env.ref("base.jp")
        cls.company.callflow_cap_enabled = False
        # Other lists (demo data) must not hand out entries here.
        env["callflow.list"].search([]).write({"state": "done"})
        cls.operator = new_test_user(
            env,
            "cf_day_operator",
            groups=OPERATOR_GROUPS,
            name="Oda Operator",
            tz="Asia/Tokyo",
            lang=lang,
        )
        cls.leads = env["crm.lead"].create(
            [
                {
                    "name": f"Chairs {i}",
                    "type": "lead",
                    "contact_name": f"Person {i}",
                    "phone": f"080-5555-210{i}",
                    "country_id": env.ref("base.jp").id,
                }
                for i in range(1, 5)
            ]
        )
        cls.call_list = lead_call_list(
            env,
            "Day campaign",
            "03-3999-0101",
            cls.operator,
            cls.leads,
            max_attempts=3,
            min_gap_hours=24.0,
        )

    @classmethod
    def result(cls, name):
        return cls.env.ref(f"callflow_odoo.call_result_{name}")


class TestDisplayNumber(BaseCase):
    def test_national_at_home_international_abroad(self):
        self.assertEqual(display_number("+818055552102", "JP"), "080-5555-2102")
        self.assertEqual(display_number("+818055552102", "us"), "+81 80-5555-2102")
        self.assertEqual(display_number("+818055552102", None), "+81 80-5555-2102")
        self.assertEqual(display_number("+12125550123", "JP"), "+1 212-555-0123")
        self.assertEqual(display_number("not a number", "JP"), "not a number")
        self.assertEqual(display_number(False, "JP"), "")


@tagged("post_install", "-at_install")
class TestOperatorDay(OperatorDayCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_day()

    def _entry(self):
        return self.env["callflow.list.entry"].search(
            [("list_id", "=", self.call_list.id)], limit=1
        )

    def test_dialer_number_national_for_the_company_country(self):
        entry = self._entry()
        self.assertTrue(entry.number.startswith("+8180555521"))
        self.assertEqual(entry.number_display, "080-5555-210" + entry.number[-1])
        self.company.country_id = self.env.ref("base.us")
        entry.invalidate_recordset(["number_display"])
        self.assertEqual(entry.number_display, "+81 80-5555-210" + entry.number[-1])
        arch = self.env["callflow.list.entry"].get_view(
            self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer").id
        )["arch"]
        # The tel: link dials the stored E.164 number; the text is the display.
        self.assertIn('widget="callflow_phone"', arch)
        self.assertIn("number_display", arch)

    def test_customer_company_only_when_another_record(self):
        entry = self._entry()
        person = self.env["res.partner"].create({"name": "Hanako Solo"})
        entry.partner_id = person
        self.assertEqual(entry.commercial_partner_id, person)
        self.assertFalse(entry.show_commercial_partner)
        company = self.env["res.partner"].create(
            {"name": "Yamada Trading", "is_company": True}
        )
        entry.partner_id = company
        self.assertFalse(entry.show_commercial_partner)
        person.parent_id = company
        entry.partner_id = person
        self.assertEqual(entry.commercial_partner_id, company)
        self.assertTrue(entry.show_commercial_partner)

    def test_results_fit_the_outcome_all_of_them(self):
        Result = self.env["callflow.call.result"].with_user(self.operator)
        not_reached = [name for _id, name in Result.callflow_picker_choices("busy")]
        self.assertEqual(not_reached, ["No answer", "Busy", "Voicemail left"])
        answered = [name for _id, name in Result.callflow_picker_choices("answered")]
        self.assertEqual(len(answered), 8)
        self.assertIn("Interested", answered)
        self.assertIn("Complaint", answered)
        self.assertIn("Meeting booked", answered)
        self.assertIn("Wrong person / left company", answered)
        self.assertNotIn("Busy", answered)
        # A result without a hint fits every outcome.
        anytime = self.env["callflow.call.result"].create({"name": "Other"})
        self.assertIn(
            anytime.id, [rid for rid, _name in Result.callflow_picker_choices("busy")]
        )

    def test_results_ordered_by_use(self):
        """This operator's habits first, then the company's, then sequence."""
        other = new_test_user(self.env, "cf_day_other", groups=OPERATOR_GROUPS)
        self.call_list.user_ids = [(4, other.id)]
        self.env["callflow.call"].create(
            [
                {
                    "user_id": user.id,
                    "list_id": self.call_list.id,
                    "dialed_number": "+818055552101",
                    "outcome": "answered",
                    "result_id": self.result(result).id,
                }
                for user, result in (
                    (self.operator, "meeting"),
                    (other, "not_interested"),
                    (other, "not_interested"),
                    (other, "interested"),
                )
            ]
        )
        Result = self.env["callflow.call.result"].with_user(self.operator)
        names = [name for _id, name in Result.callflow_picker_choices("answered")]
        self.assertEqual(
            names[:4],
            ["Meeting booked", "Not interested", "Interested", "Call back later"],
        )

    def test_outcome_change_keeps_only_a_fitting_result(self):
        log = self.env["callflow.call.log"].with_user(self.operator)
        wizard = log.new(
            {
                "entry_id": self._entry().id,
                "outcome": "answered",
                "result_id": self.result("interested").id,
            }
        )
        wizard.outcome = "voicemail"
        wizard._onchange_outcome()
        self.assertEqual(wizard.result_id, self.result("voicemail"))
        wizard.outcome = "busy"
        wizard._onchange_outcome()
        self.assertEqual(wizard.result_id, self.result("voicemail"))
        wizard.outcome = "answered"
        wizard._onchange_outcome()
        self.assertFalse(wizard.result_id)

    def test_log_and_next_confirms_and_replaces_the_screen(self):
        Entry = self.env["callflow.list.entry"].with_user(self.operator)
        first = Entry.action_start_calling()
        entry = Entry.browse(first["res_id"])
        action = log_call(self.env, self.operator, entry, self.result("interested"))
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["message"],
            f"Call with {entry.display_name} logged (Interested)",
        )
        nxt = action["params"]["next"]
        self.assertEqual(nxt["res_model"], "callflow.list.entry")
        self.assertNotEqual(nxt["res_id"], entry.id)
        self.assertEqual(nxt["target"], "main")
        skipped = Entry.browse(nxt["res_id"]).action_skip()
        self.assertEqual(skipped["target"], "main")

    def test_operators_land_on_the_dialer(self):
        home = self.env.ref("callflow_odoo.callflow_action_operator_home")
        self.assertEqual(self.operator.action_id.id, home.id)
        manager = new_test_user(
            self.env,
            "cf_day_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )
        self.assertFalse(manager.action_id)
        self.assertFalse(self.env.ref("base.user_admin").action_id)
        plain = new_test_user(self.env, "cf_day_plain", groups="base.group_user")
        self.assertFalse(plain.action_id)
        # Made an operator later, from the user or from the group.
        plain.groups_id = [
            (4, self.env.ref("callflow_odoo.group_callflow_operator").id)
        ]
        self.assertEqual(plain.action_id.id, home.id)
        chosen = self.env.ref("crm.crm_lead_all_leads")
        other = new_test_user(self.env, "cf_day_chosen", groups="base.group_user")
        other.action_id = chosen.id
        self.env.ref("callflow_odoo.group_callflow_operator").users = [(4, other.id)]
        self.assertEqual(other.action_id.id, chosen.id)
        third = new_test_user(self.env, "cf_day_third", groups="base.group_user")
        self.env.ref("callflow_odoo.group_callflow_operator").users = [(4, third.id)]
        self.assertEqual(third.action_id.id, home.id)

    def test_upgrade_gives_existing_operators_the_dialer_as_home(self):
        """Operators from before the upgrade, who got the group without the
        home, land on the dialer after it; a chosen home stays."""
        home = self.env.ref("callflow_odoo.callflow_action_operator_home")
        chosen = self.env.ref("crm.crm_lead_all_leads")
        other = new_test_user(
            self.env, "cf_day_before", groups="callflow_odoo.group_callflow_operator"
        )
        (self.operator | other).action_id = False
        other.action_id = chosen.id
        script = Path(__file__).parent.parent / "migrations/18.0.1.2.0/post-migrate.py"
        spec = importlib.util.spec_from_file_location("cf_post_migrate", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(self.operator.action_id.id, home.id)
        self.assertEqual(other.action_id.id, chosen.id)

    def test_operator_home_without_anything_to_call_opens_the_lists(self):
        self.call_list.state = "paused"
        action = (
            self.env["callflow.dialer"].with_user(self.operator)._action_operator_home()
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["next"]["res_model"], "callflow.list")


@tagged("post_install", "-at_install")
class TestScriptPerLanguage(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])

    def _scripts(self, call_list):
        call_list.flush_recordset(["script"])
        self.env.cr.execute(
            SQL("SELECT script FROM callflow_list WHERE id = %s", call_list.id)
        )
        return self.env.cr.fetchone()[0]

    def test_shipped_script_in_each_language(self):
        for creator_lang in ("en_US", "ja_JP"):
            call_list = (
                self.env["callflow.list"]
                .with_context(lang=creator_lang)
                .create({"name": f"Script {creator_lang}", "purpose": "sales"})
            )
            scripts = self._scripts(call_list)
            self.assertIn("1. Identify yourself", scripts["en_US"])
            self.assertIn("名乗り", scripts["ja_JP"])
            self.assertIn("名乗り", call_list.with_context(lang="ja_JP").script)
            entry_script = (
                self.env["callflow.list.entry"]
                .with_context(lang="ja_JP")
                .new({"list_id": call_list.id})
                .list_script
            )
            self.assertIn("名乗り", entry_script)

    def test_own_script_is_kept_as_written(self):
        call_list = self.env["callflow.list"].create(
            {"name": "Own script", "purpose": "sales", "script": "<p>Hello there</p>"}
        )
        self.assertEqual(
            str(call_list.with_context(lang="ja_JP").script), "<p>Hello there</p>"
        )

    def test_language_installed_after_the_list(self):
        self.env["res.lang"].with_context(active_test=False).search(
            [("code", "=", "fr_FR")]
        ).active = False
        call_list = self.env["callflow.list"].create(
            {"name": "Before French", "purpose": "sales"}
        )
        self.assertNotIn("fr_FR", self._scripts(call_list))
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["fr_FR"])
        self.assertIn("fr_FR", self._scripts(call_list))
        self.assertIn("名乗り", self._scripts(call_list)["ja_JP"])

    def test_text_column_becomes_per_language_on_upgrade(self):
        """A database from before: the script column held one text. The
        upgrade keeps each list's script as its English (fallback) value."""
        call_list = self.env["callflow.list"].create(
            {"name": "Old", "purpose": "sales", "script": "<p>Old script</p>"}
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "ALTER TABLE callflow_list ALTER COLUMN script TYPE text "
                "USING script->>'en_US'"
            )
        )
        # What the ORM does on upgrade when a column's type changes.
        Lists = self.env["callflow.list"]
        columns = sql.table_columns(self.env.cr, Lists._table)
        Lists._fields["script"].update_db_column(Lists, columns["script"])
        self.env.cr.execute(
            SQL(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'callflow_list' AND column_name = 'script'"
            )
        )
        self.assertEqual(self.env.cr.fetchone()[0], "jsonb")
        call_list.invalidate_recordset()
        self.assertEqual(self._scripts(call_list), {"en_US": "<p>Old script</p>"})
        self.assertEqual(
            str(call_list.with_context(lang="ja_JP").script), "<p>Old script</p>"
        )


@tagged("post_install", "-at_install")
class TestOperatorDayTour(OperatorDayCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_day()

    def test_session_gives_the_operator_the_dialer_as_home(self):
        self.authenticate("cf_day_operator", "cf_day_operator")
        response = self.url_open(
            "/web/session/get_session_info",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(
            response.json()["result"]["home_action_id"],
            self.env.ref("callflow_odoo.callflow_action_operator_home").id,
        )

    def test_operator_logs_three_calls_in_one_screen(self):
        """Login lands on the dialer; three calls later, one breadcrumb level
        and a confirmation after each call."""
        self.start_tour("/odoo", "callflow_operator_day_tour", login="cf_day_operator")
        calls = self.env["callflow.call"].search([("list_id", "=", self.call_list.id)])
        self.assertEqual(len(calls), 3)
        self.assertEqual(
            sorted(call.result_id.name for call in calls),
            ["Interested", "Interested", "No answer"],
        )


@tagged("post_install", "-at_install")
class TestOperatorDayTourJapanese(OperatorDayCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])
        # The list is created by an English manager: the script and results
        # still read in Japanese for a Japanese operator.
        cls.setup_day(lang="ja_JP")

    def test_japanese_operator_reads_script_and_results_in_japanese(self):
        self.start_tour(
            "/odoo", "callflow_operator_day_ja_tour", login="cf_day_operator"
        )
        calls = self.env["callflow.call"].search([("list_id", "=", self.call_list.id)])
        self.assertEqual(calls.result_id, self.result("interested"))
