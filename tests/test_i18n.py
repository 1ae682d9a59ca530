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
        # Odoo's reader needs the "#. module:" comment on every entry.
        orphans = [
            e.msgid[:60]
            for catalogue in (po, pot)
            for e in catalogue
            if not (e.comment or "").startswith(("module: ", "modules: "))
        ]
        assert not orphans, f"{addon}: entries without a module comment: {orphans}"
        ids = [(e.msgctxt, e.msgid) for e in po]
        assert len(ids) == len(set(ids)), f"{addon}: duplicate entries in ja.po"


def test_code_terms_are_flagged_as_odoo_reads_them():
    """Odoo 18 loads a ``code:`` term for Python (``self.env._``) only with
    the ``#. odoo-python`` comment, for the web client only with
    ``#. odoo-javascript``: without it the Japanese text is never used."""
    for addon in ADDONS:
        for name in ("ja.po", f"{addon}.pot"):
            catalogue = polib.pofile(str(ROOT / addon / "i18n" / name))
            unflagged = [
                e.msgid[:60]
                for e in catalogue
                for file, _line in e.occurrences
                if file.startswith("code:")
                and ("odoo-javascript" if "/static/" in file else "odoo-python")
                not in (e.comment or "").split("\n")
            ]
            assert not unflagged, f"{addon}/{name}: code terms unflagged: {unflagged}"
