"""Cross-addon checks that span the repository: the three addons install
together, and the packaging puts them where an installed Odoo finds them."""

import ast
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("callflow_odoo", "callflow_optout", "callflow_sms")


@tagged("post_install", "-at_install")
class TestAddonsTogether(TransactionCase):
    def test_all_three_installed_in_dependency_order(self):
        """Each addon is installed and depends on the one before it."""
        mods = self.env["ir.module.module"].search([("name", "in", ADDONS)])
        self.assertEqual(sorted(mods.mapped("name")), sorted(ADDONS))
        self.assertEqual(set(mods.mapped("state")), {"installed"})
        deps = {m.name: set(m.dependencies_id.mapped("name")) for m in mods}
        self.assertIn("callflow_odoo", deps["callflow_optout"])
        self.assertIn("callflow_optout", deps["callflow_sms"])

    def test_manifests_follow_oca_conventions(self):
        """Version 18.0.x.y.z, LGPL-3, maintainers and an icon in every addon."""
        for addon in ADDONS:
            manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())
            self.assertRegex(manifest["version"], r"^18\.0\.\d+\.\d+\.\d+$")
            self.assertEqual(manifest["license"], "LGPL-3")
            self.assertTrue(manifest["maintainers"])
            self.assertTrue((ROOT / addon / "static/description/icon.png").is_file())
            for data_file in manifest.get("data", []) + manifest.get("demo", []):
                self.assertTrue((ROOT / addon / data_file).is_file(), data_file)
