"""Public opt-out pages. Thin: checks input, the models do the work."""

import logging

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.callflow_odoo.tools.hours import weekday_names
from odoo.addons.callflow_odoo.tools.phone import mask_number

from ..tools.links import optout_url
from .page_helpers import (
    client_address,
    honeypot_filled,
    parse_typed_number,
    private_page,
    public_page,
)

_logger = logging.getLogger(__name__)


class CallflowOptout(http.Controller):
    # --- personal link ------------------------------------------------
    @public_page("/o/<string:token>")
    def optout_link(self, token, **kwargs):
        """Show the form. Reads only: link previews and scanners open links."""
        token_sudo, closed = self._open_token(token)
        if closed:
            return private_page(closed, token)
        return private_page(self._render_link(token, token_sudo), token)

    @public_page("/o/<string:token>", "POST")
    def optout_link_submit(self, token, **post):
        token_sudo, closed = self._open_token(token)
        if closed:
            return private_page(closed, token)
        return private_page(self._submit_answer(post, token, token_sudo), token)

    # --- without a link -------------------------------------------------
    @public_page("/callflow/optout")
    def optout_page(self, **kwargs):
        return self._render_neutral()

    @public_page("/callflow/optout", "POST")
    def optout_page_submit(self, **post):
        return self._submit_answer(post)

    # --- helpers --------------------------------------------------------
    def _open_token(self, token):
        """``(token, None)`` for a live link; else ``(token, neutral page)``:
        an unknown link and an expired one show the page without a link."""
        token_sudo = self._find_token(token)
        if not token_sudo:
            return token_sudo, self._render_neutral()
        if token_sudo._is_expired():
            return token_sudo, self._render_neutral(expired=True)
        return token_sudo, None

    def _submit_answer(self, post, token=None, token_sudo=None):
        """The steps of every posted answer, with a link or without: validate
        the form; without a link, read the typed number and check the
        honeypot; store the answer (``_store_answer``: within the limits or
        kept for review) and show the outcome."""
        Intake = request.env["callflow.optout.intake"].sudo()
        values, errors = Intake._validate_answer(post)
        e164 = None
        if not token_sudo:
            e164 = self._typed_number(values, errors)
            if honeypot_filled(post):  # pretend it worked
                return self._render_done(values["answer"] or "stop_all", None)
        if errors and token_sudo:
            return self._render_link(token, token_sudo, values=values, errors=errors)
        if errors:
            return self._render_neutral(values=values, errors=errors)
        response, failed = self._store_answer(values, token=token_sudo, e164=e164)
        # Same wording whether or not the number is in the CRM.
        return failed or self._render_answer(response, token)

    def _typed_number(self, values, errors):
        """E.164 of the number typed on the page without a link, or False
        (with the error to show in ``errors``)."""
        if "number_input" in errors:
            return False
        e164 = parse_typed_number(values["number_input"])
        if not e164:
            errors["number_input"] = request.env._(
                "This does not look like a phone number. Please check it "
                "and include the area code."
            )
        return e164

    def _store_answer(self, values, token=None, e164=None):
        """``(response, None)``; or, if a transient database failure still
        escapes the store, ``(None, a calm 503 page)`` with the answer kept
        aside for the replay cron: never a 500, never a lost answer."""
        Intake = request.env["callflow.optout.intake"].sudo()
        info = self._request_info()
        try:
            with request.env.cr.savepoint():
                # _receive: within the limits or kept for review (see there)
                return Intake._receive(
                    values, token=token, e164=e164, request_info=info
                ), None
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            _logger.warning("opt-out answer kept for replay: %s", exc)
        # sudo: visitors may not read or write the kept answers.
        request.env["callflow.optout.raw"].sudo()._keep(
            values, token_id=token.id if token else False, e164=e164, request_info=info
        )
        return None, request.render(
            "callflow_optout.optout_try_again", self._base_values(), status=503
        )

    def _find_token(self, token):
        # Visitors cannot read tokens; the raw token proves the right.
        return request.env["callflow.optout.token"].sudo()._find(token)

    def _ip(self):
        return client_address()

    def _request_info(self):
        return {
            "ip": self._ip(),
            "user_agent": request.httprequest.headers.get("User-Agent"),
        }

    def _base_values(self):
        company = request.website.company_id.sudo()
        return {
            "company": company,
            # "Only at certain times" starts on weekdays, 10:00-18:00.
            "values": {
                "answer": "stop_all",
                "times_days": "12345",
                "times_from": 10.0,
                "times_to": 18.0,
            },
            "errors": {},
            "weekdays": weekday_names(request.env.lang, "abbreviated"),
            "hours": [(h, f"{h:02d}:00") for h in range(25)],
        }

    def _render_link(self, token, token_sudo, values=None, errors=None):
        qcontext = self._base_values()
        qcontext.update(
            action=optout_url("", token),
            masked_number=mask_number(token_sudo.number),
            context_note=token_sudo._reason_text(),
            current_answer=token_sudo.last_answer,
        )
        if token_sudo.last_answer:
            qcontext["values"]["answer"] = token_sudo.last_answer
        if values is not None:
            qcontext["values"] = values
        qcontext["errors"] = errors or {}
        return request.render(
            "callflow_optout.optout_page", qcontext, status=400 if errors else 200
        )

    def _render_neutral(self, values=None, errors=None, expired=False):
        qcontext = self._base_values()
        qcontext.update(action="/callflow/optout", ask_number=True, expired=expired)
        if values is not None:
            qcontext["values"] = values
        qcontext["errors"] = errors or {}
        return request.render(
            "callflow_optout.optout_page", qcontext, status=400 if errors else 200
        )

    def _render_done(self, answer, token, times_label=""):
        qcontext = self._base_values()
        qcontext.update(
            answer=answer,
            times_label=times_label,
            change_url=optout_url("", token) if token else "/callflow/optout",
        )
        return request.render("callflow_optout.optout_done", qcontext)

    def _render_answer_done(self, response, token=None):
        """Thank-you page of a stored answer, saying only what is enforced:
        which email (if any) left the mailing lists, and, without a link,
        that an opt-in lifts no earlier stop (callflow_sms adds a code sent by
        SMS to prove the number).  Without a link it shows nothing the visitor
        did not type, whether or not the number is in the CRM."""
        page = self._render_done(response.answer, token, response.times_label)
        page.qcontext.update(
            blocked_email=response.email or "",
            email_known=bool(token and response._email_for_events()),
            unverified=not token,
        )
        return page

    def _render_answer(self, response, token):
        """The thank-you page, or for an answer held over a limit, a page
        saying it is kept and will be checked (202: accepted, not applied)."""
        if response.state != "held":
            return self._render_answer_done(response, token)
        qcontext = self._base_values()
        qcontext.update(
            review_reason=response.review_reason,
            change_url=optout_url("", token) if token else "/callflow/optout",
        )
        return request.render(
            "callflow_optout.optout_rate_limited", qcontext, status=202
        )
