"""Japanese catalogues: every translation reaches Odoo.

Odoo merges an addon's ``.pot`` into its ``ja.po`` when it loads the
translations, and polib marks every entry the template lacks as obsolete:
such a translation is silently dropped and the page shows English.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent.parent.name for p in ROOT.glob("callflow_*/i18n/ja.po"))


def test_every_japanese_entry_is_in_the_template_and_translated():
    assert ADDONS, "no Japanese catalogue found"
    for addon in ADDONS:
        po = polib.pofile(str(ROOT / addon / "i18n" / "ja.po"))
        pot = polib.pofile(str(ROOT / addon / "i18n" / f"{addon}.pot"))
        template = {(e.msgctxt, e.msgid) for e in pot}
        lost = [e.msgid[:60] for e in po if (e.msgctxt, e.msgid) not in template]
        assert not lost, f"{addon}: in ja.po but not in the .pot: {lost}"
        untranslated = [e.msgid[:60] for e in po if not e.obsolete and not e.msgstr]
        assert not untranslated, f"{addon}: untranslated: {untranslated}"
        ids = [(e.msgctxt, e.msgid) for e in po]
        assert len(ids) == len(set(ids)), f"{addon}: duplicate entries in ja.po"
