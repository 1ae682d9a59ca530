from odoo import api, models
from odoo.tools import SQL

from ..tools.phone import national_digits, try_parse_number

# Full-width digits as people type them in Japan, and their ASCII twins.
_WIDE_DIGITS = "０１２３４５６７８９"


class Base(models.AbstractModel):
    """Callflow's number matching for every model with phone fields.

    Odoo's ``phone_sanitized`` and Callflow's parser disagree on what people
    type (``03-1234-5678 内線12`` sanitizes to nothing): whatever Callflow
    matches, it matches with its own parser, as the ledger and the dialer do.
    """

    _inherit = "base"

    def _callflow_regions(self):
        """``{record id: ISO country code}`` for parsing national numbers."""
        default = self.env.company.country_id.code
        countries = self._phone_get_country()
        return {
            rec.id: (countries.get(rec.id) or rec.env["res.country"]).code or default
            for rec in self
        }

    def _callflow_e164(self):
        """The record's first parsable number (``_phone_get_number_fields``
        order), in E.164, or False."""
        self.ensure_one()
        region = self._callflow_regions()[self.id]
        for fname in self._phone_get_number_fields():
            e164 = self[fname] and try_parse_number(self[fname], region)[0]
            if e164:
                return e164
        return False

    @api.model
    def _callflow_digits_sql(self, fname, qualified=True):
        """The digits of a number column, full-width ones included: the
        expression the search matches and the trigram index covers."""
        column = (
            SQL.identifier(self._table, fname) if qualified else SQL.identifier(fname)
        )
        return SQL(
            "regexp_replace(translate(%s, %s, '0123456789'), '[^0-9]', '', 'g')",
            column,
            _WIDE_DIGITS,
        )

    @api.model
    def _callflow_index_digits(self):
        """Trigram indexes on the digits of the number columns, so that a
        number never called before is found among 100,000 contacts in a few
        milliseconds instead of a scan (where pg_trgm is installed, as Odoo's
        own trigram indexes require; otherwise the search scans)."""
        if not self.env.registry.has_trigram:
            return
        for fname in self._phone_get_number_fields():
            if not self._fields[fname].store:
                continue
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((%s) gin_trgm_ops)",
                    SQL.identifier(f"{self._table}_callflow_{fname}_digits"),
                    SQL.identifier(self._table),
                    self._callflow_digits_sql(fname, qualified=False),
                )
            )

    @api.model
    def _callflow_search_e164(self, e164, limit=None):
        """Records with a number field that parses to ``e164``.

        SQL keeps the rows whose digits contain the number's national digits;
        the parser decides among them (one query, whatever the table size).
        """
        fnames = [
            fname
            for fname in self._phone_get_number_fields()
            if self._fields[fname].store
        ]
        if not e164 or not fnames:
            return self.browse()
        pattern = f"%{national_digits(e164)}%"
        digits_match = SQL(" OR ").join(
            SQL("%s LIKE %s", self._callflow_digits_sql(fname), pattern)
            for fname in fnames
        )
        self.flush_model(fnames)
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE %s", SQL.identifier(self._table), digits_match)
        )
        candidates = self.search(
            [("id", "in", [row[0] for row in self.env.cr.fetchall()])]
        )
        regions = candidates._callflow_regions()
        matches = candidates.filtered(
            lambda rec: any(
                rec[fname] and try_parse_number(rec[fname], regions[rec.id])[0] == e164
                for fname in fnames
            )
        )
        return matches[:limit] if limit else matches
