from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_menu_and_groups(self):
        """The Callflow app menu is there, for operators and managers only."""
        root = self.env.ref("callflow_odoo.menu_callflow_root")
        operator = self.env.ref("callflow_odoo.group_callflow_operator")
        manager = self.env.ref("callflow_odoo.group_callflow_manager")
        self.assertEqual(root.name, "Callflow")
        self.assertIn(operator, root.groups_id)
        self.assertIn(operator, manager.implied_ids)
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "callflow_odoo.group_callflow_manager"
            )
        )
        config = self.env.ref("callflow_odoo.menu_callflow_configuration")
        self.assertEqual(config.parent_id, root)
        self.assertIn(manager, config.groups_id)
