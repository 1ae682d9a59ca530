import base64
import binascii

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools.dnc_import import ImportFileError, read_file
from ..tools.phone import PARSE_ERROR_CODES
from ..tools.phone_errors import parse_error_message

RECORD_BATCH = 2000
PREVIEW_VALID = 50


class CallflowPreferenceImport(models.TransientModel):
    """Import a do-not-call list from another system into the ledger.

    Two steps: the preview sorts the file's rows into valid ones,
    duplicates and invalid numbers (with the reason); the import records
    the valid rows as ledger events (source "import", the file's name as
    evidence) in batches.  An import speaks for someone else: like any
    opt-in it cannot lift a block, but its do-not-call rows block at once.
    """

    _name = "callflow.preference.import"
    _description = "Import a do-not-call list"

    file = fields.Binary(help="CSV or XLSX with a number column.")
    filename = fields.Char()
    step = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview"), ("done", "Done")],
        default="upload",
        required=True,
    )
    valid_count = fields.Integer(string="Valid rows", readonly=True)
    duplicate_count = fields.Integer(string="Duplicates", readonly=True)
    invalid_count = fields.Integer(string="Invalid numbers", readonly=True)
    imported_count = fields.Integer(string="Recorded", readonly=True)
    preview = fields.Html(readonly=True, sanitize=False)

    def _sorted_rows(self):
        self.ensure_one()
        try:
            content = base64.b64decode(self.file or b"", validate=False)
        except (binascii.Error, ValueError) as exc:
            raise UserError(self.env._("The file could not be read.")) from exc
        try:
            return read_file(
                content, self.filename or "", region=self.env.company.country_id.code
            )
        except ImportFileError as exc:
            raise UserError(self._error_message(str(exc))) from exc

    def _error_message(self, message):
        """Translated message for :class:`ImportFileError` texts."""
        known = {
            "The file is empty.": self.env._("The file is empty."),
            "The file has no rows.": self.env._("The file has no rows."),
            "The file is not a readable XLSX workbook.": self.env._(
                "The file is not a readable XLSX workbook."
            ),
        }
        if message.startswith("No number column"):
            return self.env._(
                "No number column: the first row must name it (number, phone, "
                "tel or 電話番号)."
            )
        if message.startswith("The file is not a CSV"):
            return self.env._(
                "The file is not a CSV text file (binary content); save it as "
                "CSV or XLSX."
            )
        if message.startswith("The file's text encoding"):
            return self.env._(
                "The file's text encoding is not UTF-8 or Shift-JIS; save it "
                "as UTF-8 CSV."
            )
        return known.get(message, message)

    def _reason_label(self, reason):
        if reason in PARSE_ERROR_CODES:
            return parse_error_message(self.env, reason)
        labels = {
            "unknown channel": self.env._("Unknown channel"),
            "unknown scope": self.env._("Unknown scope"),
            "date not understood": self.env._("Date not understood"),
            "date in the future": self.env._("Date in the future"),
            "duplicate": self.env._("Duplicate of an earlier row"),
        }
        return labels.get(reason, reason)

    def _preview_html(self, valid, duplicates, invalid):
        def table(title, rows):
            body = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>") % cells
                for cells in rows
            )
            return Markup(
                "<h5>%s</h5><table class='table table-sm'><thead><tr>"
                "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s"
                "</tbody></table>"
            ) % (
                title,
                self.env._("Line"),
                self.env._("Number"),
                self.env._("Reason"),
                body,
            )

        parts = []
        if invalid or duplicates:
            rows = sorted(invalid + duplicates)
            parts.append(
                table(
                    self.env._("Rows left out"),
                    [(line, raw, self._reason_label(why)) for line, raw, why in rows],
                )
            )
        if valid:
            channels = dict(
                self.env["callflow.preference.event"]
                ._fields["channel"]
                ._description_selection(self.env)
            )
            parts.append(
                table(
                    self.env._("Valid rows (first %(count)s)", count=PREVIEW_VALID),
                    [
                        (row["line"], row["number"], channels[row["channel"]])
                        for row in valid[:PREVIEW_VALID]
                    ],
                )
            )
        return Markup("").join(parts) or escape(self.env._("Nothing to import."))

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import a do-not-call list"),
        }

    def action_preview(self):
        self.ensure_one()
        valid, duplicates, invalid = self._sorted_rows()
        self.write(
            {
                "step": "preview",
                "valid_count": len(valid),
                "duplicate_count": len(duplicates),
                "invalid_count": len(invalid),
                "preview": self._preview_html(valid, duplicates, invalid),
            }
        )
        return self._reopen()

    def action_import(self):
        """Record the valid rows (read again from the file: the preview keeps
        no rows) in batches; report the counts."""
        self.ensure_one()
        valid, duplicates, invalid = self._sorted_rows()
        if not valid:
            raise UserError(self.env._("The file has no valid row to import."))
        filename = self.filename or self.env._("(no name)")
        Event = self.env["callflow.preference.event"]
        now = fields.Datetime.now()
        recorded = 0
        for start in range(0, len(valid), RECORD_BATCH):
            batch = valid[start : start + RECORD_BATCH]
            Event._record([self._event_vals(row, filename, now) for row in batch])
            recorded += len(batch)
        self.write(
            {
                "step": "done",
                "imported_count": recorded,
                "valid_count": len(valid),
                "duplicate_count": len(duplicates),
                "invalid_count": len(invalid),
                "preview": self._preview_html([], duplicates, invalid),
            }
        )
        return self._reopen()

    def _event_vals(self, row, filename, now):
        """A do-not-call for all contact; an opt-out when the row's scope is
        marketing only (a do-not-call always covers all contact)."""
        evidence = self.env._(
            "Imported from %(file)s, line %(line)s", file=filename, line=row["line"]
        )
        if row["source"]:
            evidence += "\n" + self.env._("Source: %(name)s", name=row["source"])
        return {
            "number": row["number"],
            "channel": row["channel"],
            "scope": row["scope"],
            "action": "dnc" if row["scope"] == "all" else "opt_out",
            "source": "import",
            "reason": row["note"] or self.env._("Do-not-call list import"),
            "evidence": evidence,
            "event_date": row["date"] or now,
        }
