from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_with_sms(self):
        """The SMS addon is installed together with Odoo's sms module."""
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["callflow_sms", "callflow_optout", "sms"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 3)

    def test_demo_data_leaves_odoos_sms_provider_in_place(self):
        """Installed with demo data, SMS still go through Odoo's own service:
        Odoo's SMS code paths (composer, marketing) and their test suites
        reach the IAP seam as without Callflow.  Only `make demo` switches
        its own database to the outbox."""
        self.assertTrue(
            self.env["ir.module.module"].search([("name", "=", "callflow_sms")]).demo,
            "this check is about a database with demo data",
        )
        param = self.env["ir.config_parameter"].sudo().get_param
        self.assertIn(param("callflow_sms.provider"), (False, "odoo"))
        self.assertEqual(self.env["callflow.sms.gateway"]._callflow_provider(), "odoo")
