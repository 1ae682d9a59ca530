"""The personal link's page, when the number was asked whether it is still
right: "Yes, this is still my number" makes it fresh again."""

from odoo.http import request

from odoo.addons.callflow_optout.controllers.main import CallflowOptout
from odoo.addons.callflow_optout.controllers.page_helpers import public_page
from odoo.addons.callflow_optout.tools.links import optout_url


class CallflowOptoutReconfirm(CallflowOptout):
    def _reconfirm_waiting(self, token_sudo):
        # sudo: visitors cannot read call lists; the link proves the number.
        return (
            request.env["callflow.list.entry"]
            .sudo()
            .search(
                [
                    ("number", "=", token_sudo.number),
                    ("is_stale", "=", True),
                    ("reconfirm_sent_at", "!=", False),
                ]
            )
        )

    def _render_link(self, token, token_sudo, values=None, errors=None):
        page = super()._render_link(token, token_sudo, values=values, errors=errors)
        page.qcontext["reconfirm_action"] = (
            optout_url("", f"{token}/still-mine")
            if self._reconfirm_waiting(token_sudo)
            else False
        )
        return page

    @public_page("/o/<string:token>/still-mine", "POST")
    def reconfirm_submit(self, token, **post):
        token_sudo = self._find_token(token)
        if not token_sudo:
            return self._render_neutral()
        waiting = self._reconfirm_waiting(token_sudo)
        if waiting:
            request.env["callflow.number.confirmation"].sudo()._confirm(
                [
                    {
                        "number": token_sudo.number,
                        "partner_id": token_sudo.partner_id.id
                        or waiting[:1].partner_id.id,
                        "source": "link",
                        "evidence": request.env._(
                            "Personal link %(token)s, from %(ip)s",
                            token=token_sudo.display_name,
                            ip=self._ip(),
                        ),
                    }
                ]
            )
        page = self._render_link(token, token_sudo)
        page.qcontext["number_confirmed"] = True
        return page
