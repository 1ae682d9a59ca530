from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _serve_fallback(cls):
        """No attachment, page or redirect for a path with a NUL byte.

        PostgreSQL cannot compare text holding NUL: the lookups of a 404
        (attachments, website pages, redirects) raised and a mistyped or
        hostile URL got a 500 instead of the "not found" page.
        """
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
