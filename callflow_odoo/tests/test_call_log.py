import importlib.util
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.misc import file_path

from .common import CallflowCommon, log_call


@tagged("post_install", "-at_install")
class TestCallLog(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()

    def _pick(self):
        entry = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        self.assertTrue(entry, "an entry is callable")
        return entry.with_env(self.env)  # assertions read as the admin

    def _log(self, entry, result, outcome="answered", **kw):
        return log_call(self.env, self.operator, entry, result, outcome, **kw)

    def test_log_and_next_opens_the_next_entry(self):
        first = self._pick()
        # A confirmation, then the next entry (see test_operator_day).
        action = self._log(first, self.result["no_answer"], outcome="no_answer")
        action = action["params"]["next"]
        self.assertEqual(action["res_model"], "callflow.list.entry")
        self.assertNotEqual(action["res_id"], first.id)
        self.assertEqual(
            action["views"][0][0],
            self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer").id,
        )
        call = self.env["callflow.call"].search([("entry_id", "=", first.id)])
        self.assertEqual(call.outcome, "no_answer")
        self.assertEqual(call.user_id, self.operator)
        self.assertEqual(call.caller_number_id, self.caller)
        self.assertEqual(first.attempt_count, 1)
        self.assertEntryState(first, "pending")
        # The first one comes back (no answer, gap 0), then nothing is left:
        # a notification, no crash.
        second = self.env["callflow.list.entry"].browse(action["res_id"])
        action = self._log(second, self.result["interested"])["params"]["next"]
        self.assertEqual(action["res_id"], first.id)
        action = self._log(first, self.result["refused"])["params"]["next"]
        self.assertEqual(action["tag"], "display_notification")

    def test_call_logged_on_lead_and_contact_chatter(self):
        entry = self._pick()
        self._log(entry, self.result["no_answer"], outcome="busy", note="Line busy")
        record = entry.lead_id
        body = record.message_ids[0].body
        self.assertIn("Busy", body)
        self.assertIn("Oda Operator", body)
        self.assertIn("+81 3-3999-0001", body)
        self.assertIn("Line busy", body)
        if entry.partner_id:
            self.assertIn("Busy", entry.partner_id.message_ids[0].body)

    def test_refusal_writes_the_ledger_for_the_purpose(self):
        entry = self._pick()
        self._log(entry, self.result["refused"], note="いりません")
        self.assertBlocked(entry.number, "call", "sales", reason="refusal")
        self.assertNotBlocked(entry.number, "call", "survey")
        self.assertEntryState(entry, "done")
        event = self.env["callflow.preference.event"].search(
            [("number", "=", entry.number)]
        )
        self.assertEqual(event.source, "operator")
        self.assertIn("いりません", event.evidence)

    def test_dnc_and_obsolete_block_every_list(self):
        entry = self._pick()
        self._log(entry, self.result["dnc"])
        self.assertBlocked(entry.number, "call", "survey", reason="dnc")
        other = self._pick()
        self._log(other, self.result["obsolete"])
        self.assertBlocked(other.number, "call", "sales", reason="obsolete")

    def test_callback_schedules_an_activity_and_comes_back(self):
        entry = self._pick()
        with self.assertRaises(UserError):
            self._log(entry, self.result["callback"])  # no time given
        when = fields.Datetime.now() + timedelta(hours=2)
        self._log(entry, self.result["callback"], callback_at=when)
        self.assertEntryState(entry, "callback_due")
        self.assertEqual(entry.next_attempt, when)
        activity = entry.lead_id.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.operator)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        self.assertIn("Call back at", activity.summary)

    def test_positive_result_moves_the_lead(self):
        stage = self.env["crm.stage"].search([], order="sequence desc", limit=1)
        self.result["meeting"].write({"stage_id": stage.id, "create_opportunity": True})
        entry = self._pick()
        self._log(entry, self.result["meeting"])
        lead = entry.lead_id
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, stage)
        call = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        self.assertEqual(call.is_positive, 1)
        self.assertEqual(call.is_connect, 1)

    def test_positive_result_on_a_contact_creates_an_opportunity(self):
        partner_list = self.call_list.copy(
            {
                "name": "Contacts",
                "source_model": "res.partner",
                "source_domain": f"[('id', '=', {self.partner.id})]",
            }
        )
        partner_list._build_entries()
        partner_list.action_start()
        self.call_list.action_pause()
        entry = (
            self.env["callflow.dialer"]
            .with_user(self.operator)
            ._pick_next(partner_list.ids)
            .with_env(self.env)
        )
        self.assertEqual(entry.partner_id, self.partner)
        self._log(entry, self.result["interested"])
        opportunity = self.env["crm.lead"].search(
            [("partner_id", "=", self.partner.id), ("type", "=", "opportunity")]
        )
        self.assertTrue(opportunity)

    def test_operators_see_only_their_calls(self):
        entry = self._pick()
        self._log(entry, self.result["no_answer"], outcome="no_answer")
        Call = self.env["callflow.call"]
        self.assertEqual(Call.with_user(self.operator).search_count([]), 1)
        self.assertEqual(Call.with_user(self.other_operator).search_count([]), 0)
        with self.assertRaises(AccessError):
            Call.search([]).with_user(self.operator).unlink()

    def test_skip_opens_another_entry(self):
        entry = self._pick()
        action = entry.with_user(self.operator).action_skip()
        entry.invalidate_recordset()
        self.assertEntryState(entry, "pending")
        self.assertTrue(entry.skipped_at)
        self.assertEqual(action["res_model"], "callflow.list.entry")
        self.assertNotEqual(action["res_id"], entry.id, "not the skipped one")

    def test_skip_and_pause_release_the_entry(self):
        entry = self._pick()
        entry.with_user(self.operator).action_pause()
        entry.invalidate_recordset()
        self.assertEntryState(entry, "pending")
        self.assertFalse(entry.held_by_id)
        action = (
            self.env["callflow.list.entry"]
            .with_user(self.operator)
            .action_start_calling()
        )
        self.assertEqual(action["res_model"], "callflow.list.entry")

    def test_report_measures(self):
        entry = self._pick()
        self._log(entry, self.result["no_answer"], outcome="no_answer")
        second = self._pick()
        self._log(second, self.result["interested"])
        groups = self.env["callflow.call"]._read_group(
            [("list_id", "=", self.call_list.id)],
            ["user_id"],
            ["__count", "is_connect:sum", "connect_rate:avg", "is_positive:sum"],
        )
        [(user, count, connects, rate, positive)] = groups
        self.assertEqual((user, count, connects, rate, positive),
                         (self.operator, 2, 1, 50.0, 1))  # fmt: skip

    def test_handling_time_in_minutes_from_pick_to_log(self):
        """Picked at 10:00:00, logged at 10:05:30: 5.5 minutes of handling
        time, shown as minutes (not as 05:30 hours), summed and averaged in
        the reports."""
        t0 = datetime(2026, 11, 25, 1, 0)
        with freeze_time(t0):
            first = self._pick()
        with freeze_time(t0 + timedelta(minutes=5, seconds=30)):
            self._log(first, self.result["no_answer"], outcome="no_answer")
            second = self._pick()
        with freeze_time(t0 + timedelta(minutes=8)):
            self._log(second, self.result["interested"])
        Call = self.env["callflow.call"]
        calls = Call.search([("list_id", "=", self.call_list.id)])
        self.assertEqual(
            sorted(calls.mapped("handling_time")), [2.5, 5.5], "minutes, to the log"
        )
        self.assertIn("Handling time: 5.5 min", first.lead_id.message_ids[0].body)
        described = Call.fields_get(
            ["handling_time", "handling_time_avg"], ["string", "aggregator"]
        )
        self.assertEqual(described["handling_time"]["string"], "Handling time (min)")
        self.assertEqual(described["handling_time"]["aggregator"], "sum")
        self.assertEqual(described["handling_time_avg"]["aggregator"], "avg")
        [report] = Call.read_group(
            [("id", "in", calls.ids)],
            ["handling_time:sum", "handling_time_avg:avg"],
            [],
        )
        self.assertEqual(
            (report["handling_time"], report["handling_time_avg"]), (8.0, 4.0)
        )
        for view_type in ("list", "form", "pivot"):
            arch = etree.fromstring(Call.get_view(view_type=view_type)["arch"])
            self.assertTrue(arch.xpath("//field[@name='handling_time']"), view_type)
            self.assertFalse(
                arch.xpath("//field[@widget='float_time']"),
                f"{view_type}: minutes are not hours",
            )
        pivot = etree.fromstring(Call.get_view(view_type="pivot")["arch"])
        measures = pivot.xpath("//field[@type='measure']/@name")
        self.assertIn("handling_time", measures)
        self.assertIn("handling_time_avg", measures)

    def test_upgrade_keeps_durations_as_handling_time(self):
        """A database of version 18.0.1.0.0 keeps its figures, and the
        field its identity, under the new name."""
        call = self.env["callflow.call"].create(
            {
                "dialed_number": "+819011110001",
                "outcome": "answered",
                "handling_time": 6.5,
            }
        )
        self.env.flush_all()
        cr = self.env.cr
        # the database as version 18.0.1.0.0 left it
        cr.execute(
            SQL(
                """
                ALTER TABLE callflow_call RENAME COLUMN handling_time TO duration;
                UPDATE ir_model_fields SET name = 'duration'
                 WHERE model = 'callflow.call' AND name = 'handling_time';
                UPDATE ir_model_data SET name = 'field_callflow_call__duration'
                 WHERE module = 'callflow_odoo'
                   AND name = 'field_callflow_call__handling_time';
                """
            )
        )
        path = file_path("callflow_odoo/migrations/18.0.1.1.0/pre-migrate.py")
        spec = importlib.util.spec_from_file_location("callflow_pre_migrate", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(cr, "18.0.1.0.0")
        cr.execute(
            SQL("SELECT handling_time FROM callflow_call WHERE id = %s", call.id)
        )
        self.assertEqual(cr.fetchone(), (6.5,))
        cr.execute(
            SQL(
                """
                SELECT f.name FROM ir_model_fields f
                  JOIN ir_model_data d ON d.res_id = f.id
                   AND d.model = 'ir.model.fields' AND d.module = 'callflow_odoo'
                 WHERE d.name = 'field_callflow_call__handling_time'
                """
            )
        )
        self.assertEqual(cr.fetchall(), [("handling_time",)])


@tagged("post_install", "-at_install")
class TestDialerTour(CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()
        # Only our list: other running demo lists stay out of the way.
        cls.env["callflow.list"].search([("id", "!=", cls.call_list.id)]).write(
            {"state": "paused"}
        )

    def test_operator_skips_to_somebody_else(self):
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_action_start_calling",
            "callflow_dialer_skip_tour",
            login="cf_dialer_operator",
        )
        skipped = self.env["callflow.list.entry"].search(
            [("list_id", "=", self.call_list.id), ("skipped_at", "!=", False)]
        )
        self.assertEqual(len(skipped), 1)
        self.assertEntryState(skipped, "pending")
        held = self.env["callflow.list.entry"].search(
            [("held_by_id", "=", self.operator.id), ("state", "=", "in_call")]
        )
        self.assertEqual(len(held), 1)
        self.assertNotEqual(held, skipped)

    def test_operator_logs_a_result_and_gets_the_next_entry(self):
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_action_start_calling",
            "callflow_dialer_tour",
            login="cf_dialer_operator",
        )
        calls = self.env["callflow.call"].search([("list_id", "=", self.call_list.id)])
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls.user_id, self.operator)
        held = self.env["callflow.list.entry"].search(
            [("held_by_id", "=", self.operator.id), ("state", "=", "in_call")]
        )
        self.assertEqual(len(held), 1)
        self.assertNotEqual(held, calls.entry_id)
