import sys

from odoo.tests import TransactionCase, tagged

from odoo.addons.callflow_odoo import _callflow_post_load


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

    def test_manifests_parsed_at_server_start(self):
        """On Python < 3.11.8 the post-load hook (run when the server loads
        the addon) parses every manifest once, so the first concurrent asset
        requests parse none in threads (python/cpython#106905)."""
        from odoo.modules import module

        manifest = module.get_manifest("callflow_odoo")
        self.assertEqual(manifest["post_load"], "_callflow_post_load")
        _callflow_post_load()
        cached = module._get_manifest_cached.cache_info().currsize
        if sys.version_info < (3, 11, 8):
            self.assertGreaterEqual(cached, len(module.get_modules()))
        else:
            self.assertGreater(cached, 0)

    def test_demo_data_leaves_odoos_blacklist_as_odoo_left_it(self):
        """Demo data is also loaded where Odoo's own test suites run: the
        demo ledger puts no number in phone.blacklist, whose size Odoo's SMS
        composer reads (and its query-count tests count)."""
        demo_numbers = (
            self.env["callflow.preference.event"].sudo().search([]).mapped("number")
        )
        self.assertTrue(demo_numbers, "this check is about a database with demo data")
        self.assertFalse(
            self.env["phone.blacklist"]
            .sudo()
            .search_count([("number", "in", demo_numbers)])
        )
