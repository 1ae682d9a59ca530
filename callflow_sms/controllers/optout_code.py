"""The page without a link, with SMS: a code sent to the number lets the
visitor prove they hold it, so that "please keep contacting me" may lift an
earlier stop."""

import re

from odoo.http import request

from odoo.addons.callflow_optout.controllers.main import CallflowOptout
from odoo.addons.callflow_optout.controllers.page_helpers import (
    posted_text,
    public_page,
)

E164_RE = re.compile(r"^\+[1-9][0-9]{5,14}$")


class CallflowOptoutCode(CallflowOptout):
    def _render_answer_done(self, response, token=None):
        page = super()._render_answer_done(response, token=token)
        if not token and response.answer == "keep_contacting" and response.number:
            # Sent only if something blocks the number (and not too often);
            # the page offers the code field either way, so it does not tell
            # whether the number had asked us to stop.
            request.env["callflow.optout.code"].sudo()._offer(
                response, request_ip=self._ip()
            )
            page.qcontext["code_number"] = response.number
        return page

    @public_page("/callflow/optout/code", "POST")
    def optout_code_submit(self, number=None, code=None, **post):
        number, code = posted_text(number, E164_RE), posted_text(code)
        # sudo: visitors cannot read codes; the typed code proves the right.
        Code = request.env["callflow.optout.code"].sudo()
        record = Code._verify(number, code) if number else Code
        if not record:
            page = self._render_done("keep_contacting", None)
            page.qcontext.update(
                unverified=True,
                code_number=number,
                code_error=request.env._(
                    "This code is not valid: it may be mistyped, used already "
                    "or expired. To get a new one, choose “Please keep "
                    "contacting me” again."
                ),
            )
            page.status_code = 400
            return page
        record._confirm(request_ip=self._ip())
        return self._render_done("keep_contacting", None)
