from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from .common import MOBILE, CallflowCommon


@tagged("post_install", "-at_install")
class TestCallListKanbanTour(HttpCase, CallflowCommon):
    browser_size = "1366x768"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        call_list = cls.make_list("Kanban width check")
        cls.make_entry(call_list, MOBILE)

    def test_counter_labels_stay_on_one_line_at_1366(self):
        """At 1366x768 the counters of a call list card read "Remaining",
        "Suppressed"... on one line each, not broken letter by letter."""
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_list_action",
            "callflow_list_kanban_tour",
            login="admin",
        )


@tagged("post_install", "-at_install")
class TestOptoutGraph(TransactionCase):
    def test_optouts_are_bars_by_week(self):
        """The Opt-outs report opens on bars by week (not a smoothed stacked
        area), so a few events read as a few events."""
        action = self.env.ref("callflow_odoo.callflow_preference_event_report_action")
        self.assertEqual(action.view_mode.split(",")[0], "graph")
        views = self.env["callflow.preference.event"].get_views([(False, "graph")])
        graph = etree.fromstring(views["views"]["graph"]["arch"])
        self.assertEqual(graph.get("type"), "bar")
        [date_field] = graph.xpath("//field[@name='event_date']")
        self.assertIn(date_field.get("interval"), ("day", "week"))


@tagged("post_install", "-at_install")
class TestHoldTimeoutSetting(TransactionCase):
    def test_hold_timeout_saved_and_bounded(self):
        """Saved in Settings, used by the dialer; 0 minutes (entries released
        at once, or never) is refused with the setting named."""
        settings = self.env["res.config.settings"].create({"callflow_hold_timeout": 40})
        settings.execute()
        self.assertEqual(self.env["callflow.dialer"]._hold_timeout(), 40)
        with self.assertRaisesRegex(
            ValidationError,
            r"Release Held Entries After \(minutes\) must be between 1 and 1440",
        ):
            self.env["res.config.settings"].create({"callflow_hold_timeout": 0})

    def test_counters_and_bounds_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["callflow_odoo"], ["ja_JP"], overwrite=True
        )
        env = self.env(context=dict(self.env.context, lang="ja_JP"))
        arch = env["callflow.list"].get_view(view_type="kanban")["arch"]
        for label in ("残り", "完了", "折り返し", "発信停止", "無効"):
            self.assertIn(f">{label}</div>", arch)
        with self.assertRaisesRegex(
            ValidationError,
            r"保持中エントリーの解放までの時間（分） は 1 から 1440 の間で",
        ):
            env["res.config.settings"].create({"callflow_hold_timeout": -5})
