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
