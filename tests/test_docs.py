"""Docs as OCA ships them (#12): each addon's README.rst is generated from
its readme/ fragments, so the two cannot drift apart; the generated text
is valid reStructuredText; README.md shows the screenshots it names."""

import io
import re
from pathlib import Path

import docutils.core

from odoo.tests import BaseCase, tagged

from odoo.addons.callflow_odoo.tests.common import load_file

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("callflow_odoo", "callflow_optout", "callflow_sms", "callflow_event")
FRAGMENTS = ("DESCRIPTION", "CONFIGURE", "USAGE", "CONTRIBUTORS")


def load_generator():
    return load_file(ROOT / "scripts" / "gen_readme.py", "callflow_gen_readme")


@tagged("post_install", "-at_install")
class TestReadmes(BaseCase):
    def test_every_addon_has_its_fragments(self):
        for addon in ADDONS:
            for name in FRAGMENTS:
                path = ROOT / addon / "readme" / f"{name}.md"
                self.assertTrue(path.is_file(), path)
                self.assertGreater(len(path.read_text().split()), 5, path)

    def test_committed_readme_is_the_generated_one(self):
        """Edit readme/*.md, then run scripts/gen_readme.py."""
        generate = load_generator().generate
        for addon in ADDONS:
            committed = (ROOT / addon / "README.rst").read_text(encoding="utf-8")
            self.assertEqual(
                committed,
                generate(addon),
                f"{addon}/README.rst is out of date: run scripts/gen_readme.py",
            )

    def test_readme_is_valid_rst_with_every_section(self):
        for addon in ADDONS:
            text = (ROOT / addon / "README.rst").read_text(encoding="utf-8")
            warnings = io.StringIO()
            docutils.core.publish_doctree(
                text,
                settings_overrides={
                    "report_level": 1,
                    "halt_level": 5,
                    "warning_stream": warnings,
                },
            )
            self.assertEqual(warnings.getvalue(), "", addon)
            for heading in ("Configuration", "Usage", "Bug Tracker", "Contributors"):
                self.assertIn(f"\n{heading}\n", text, addon)
            # The description is the fragment's, converted.
            description = (ROOT / addon / "readme" / "DESCRIPTION.md").read_text()
            first_line = description.splitlines()[0].replace("`", "``")
            self.assertIn(first_line, text)

    def test_markdown_subset_becomes_rst(self):
        to_rst = load_generator().markdown_to_rst
        self.assertEqual(
            to_rst("- a `x` and [b](https://b.example)\n  - nested\n- c\n"),
            "- a ``x`` and `b <https://b.example>`__\n\n  - nested\n\n- c\n",
        )


@tagged("post_install", "-at_install")
class TestReadmeScreenshots(BaseCase):
    def test_what_users_see_in_both_languages(self):
        """README.md shows the five screens in English and Japanese; each
        picture exists and stays small."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        self.assertIn("## What users see", readme)
        images = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
        for lang in ("en", "ja"):
            for name in (
                "dialer",
                "directory-phone",
                "optout-phone",
                "sms-template",
                "calls-pivot",
            ):
                path = f"docs/screenshots/{lang}/{name}.png"
                self.assertIn(path, images)
                self.assertTrue((ROOT / path).is_file(), path)
                self.assertLess((ROOT / path).stat().st_size, 300 * 1024, path)
