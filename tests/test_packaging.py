"""Cross-addon checks that span the repository: the three addons install
together, and the packaging puts them where an installed Odoo finds them."""

import ast
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("callflow_odoo", "callflow_optout", "callflow_sms", "callflow_event")


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
        self.assertEqual(deps["callflow_event"], {"callflow_optout", "website_event"})

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


def test_pip_install_makes_addons_findable_without_addons_path(tmp_path):
    """``pip install .`` into a venv that sees Odoo: ``import odoo`` still
    works and Odoo resolves every addon from site-packages."""
    import subprocess
    import sys

    src = tmp_path / "src"
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for rel in archive:
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes((ROOT / rel).read_bytes())
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True
    )
    # See the running environment too: Odoo and the build tools may live in
    # the project venv rather than in the base interpreter.  A plain path in
    # a .pth file would add those folders without reading the .pth files
    # inside them, and an editable (compat) install of Odoo is exactly such
    # a .pth file; ``site.addsitedir`` processes them.
    import site

    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (
        venv
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "site-packages"
        / "parent.pth"
    ).write_text(f"import site; list(map(site.addsitedir, {parents!r}))\n")
    py = str(venv / "bin" / "python")
    subprocess.run(
        [
            py,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import odoo, odoo.release\n"
        "from odoo.modules.module import get_manifest, get_module_path\n"
        "odoo.tools.config.parse_config([])\n"
        "print(odoo.release.serie)\n"
        f"for a in {ADDONS!r}:\n"
        "    print(get_module_path(a), get_manifest(a)['version'])\n"
    )
    out = subprocess.run(
        [py, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.splitlines()
    assert out[0] == "18.0"
    site = str(venv / "lib")
    for line, addon in zip(out[1:], ADDONS, strict=True):
        path, version = line.split()
        assert path.startswith(site) and path.endswith(f"odoo/addons/{addon}"), line
        assert version.startswith("18.0.")
        # Odoo runs the migration scripts of the installed copy on upgrade.
        for script in (ROOT / addon).glob("migrations/*/*.py"):
            installed = Path(path) / script.relative_to(ROOT / addon)
            assert installed.is_file(), f"{installed} not installed"
