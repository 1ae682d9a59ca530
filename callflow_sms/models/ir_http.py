from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The web client's SMS counter counts a personal link at the length
        the server gives it (``callflow.optout.token._link_length``)."""
        info = super().session_info()
        if self.env.user._is_internal():
            info["callflow_optout_link_length"] = self.env[
                "callflow.optout.token"
            ]._link_length()
        return info
