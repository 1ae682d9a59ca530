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

    def session_info(self):
        """The voice provider, for the phone widget: with one set, a click
        on a number asks the dial gate first; with Manual (the default) the
        ``tel:`` link works as in plain Odoo, without a request."""
        info = super().session_info()
        if self.env.user._is_internal():
            info["callflow_voice_provider"] = self.env[
                "callflow.dial.gate"
            ]._voice_provider()
        return info
