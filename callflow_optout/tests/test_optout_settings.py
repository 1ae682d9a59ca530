"""Settings -> Callflow: the opt-out page's limits and the personal links'
lifetime are set there and used by the page (issue #16)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutSettings(OptoutCase):
    def test_limit_per_link_saved_in_settings_holds_the_next_answer(self):
        self.save_settings(callflow_optout_rate_limit_token=1)
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "callflow_optout.rate_limit_token"
            ),
            "1",
        )
        first = self.post_answer(f"/o/{self.raw}", answer="no_calls")
        self.assertEqual(first.status_code, 200)
        held = self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        self.assertEqual(held.status_code, 202, "over the limit set in Settings")
        self.assertIn("will be checked", held.text)
        # The form shows what is in force.
        self.assertEqual(
            self.env["res.config.settings"].create({}).callflow_optout_rate_limit_token,
            1,
        )

    def test_zero_window_in_settings_turns_the_limits_off(self):
        """0 is stored as 0 (Odoo would drop it and bring the default of 10
        minutes back): the limits are off."""
        self.save_settings(
            callflow_optout_rate_limit_token=1, callflow_optout_rate_limit_minutes=0
        )
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "callflow_optout.rate_limit_minutes"
            ),
            "0",
        )
        for answer in ("no_calls", "keep_contacting", "no_sms"):
            response = self.post_answer(f"/o/{self.raw}", answer=answer)
            self.assertEqual(response.status_code, 200, answer)
        self.assertFalse(self.Response.search([]).filtered("review_state"))

    def test_link_lifetime_saved_in_settings_expires_older_links(self):
        self.env.cr.execute(
            "UPDATE callflow_optout_token SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=31), self.token.id],
        )
        self.token.invalidate_recordset(["create_date"])
        self.assertNotIn("has expired", self.url_open(f"/o/{self.raw}").text)
        self.save_settings(callflow_optout_token_max_age_days=30)
        self.assertIn("has expired", self.url_open(f"/o/{self.raw}").text)

    def test_invalid_values_are_refused_with_the_setting_named(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(
            ValidationError,
            r"Answers per Number must be between 0 and 1000 \(entered: -1\)",
        ):
            Settings.create({"callflow_optout_rate_limit_number": -1})
        with self.assertRaisesRegex(
            ValidationError, "Personal Link Lifetime \\(days\\) must be between"
        ):
            Settings.create({"callflow_optout_token_max_age_days": -30})
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "callflow_optout.rate_limit_number"
            ),
            "5",
            "nothing saved",
        )

    def test_settings_read_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["callflow_optout"], ["ja_JP"], overwrite=True
        )
        env = self.env(context=dict(self.env.context, lang="ja_JP"))
        described = env["res.config.settings"].fields_get(
            ["callflow_optout_token_max_age_days"], ["string", "help"]
        )["callflow_optout_token_max_age_days"]
        self.assertEqual(described["string"], "個別リンクの有効期間（日）")
        self.assertIn("0: リンクは期限切れになりません", described["help"])
        arch = env["res.config.settings"].get_view(view_type="form")["arch"]
        self.assertIn("配信停止ページ", arch)
