from odoo import models

from .callflow_operator_state import BOARD_CHANNEL, MANAGER


class IrWebsocket(models.AbstractModel):
    """The live board's channel: a client asks for ``callflow_board``; a
    Callflow manager gets the (company, ``callflow_board``) channel of each
    of their companies, anybody else nothing (the operators' states are the
    managers' to see)."""

    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        if BOARD_CHANNEL in channels:
            channels = [c for c in channels if c != BOARD_CHANNEL]
            user = self.env.user
            if user and not user._is_public() and user.has_group(MANAGER):
                channels.extend(
                    (company, BOARD_CHANNEL) for company in user.company_ids
                )
        return super()._build_bus_channel_list(channels)
