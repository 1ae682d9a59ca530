from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_on_top_of_callflow_odoo(self):
        """The opt-out addon is installed together with what it builds on."""
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["callflow_odoo", "callflow_optout", "website", "portal"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 4)
