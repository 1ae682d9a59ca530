"""An answer posted on the opt-out page, from the form to a stored answer:
the form checked, the abuse limits counted, an answer over a limit kept
for review.  A service: ``callflow.optout.response`` stores the answers."""

from datetime import timedelta

from odoo import api, fields, models

from ..tools.answer_form import validate_answer
from ..tools.client_network import client_network
from .callflow_optout_response import ANSWER_EVENTS, REASONS
from .callflow_optout_token import ANSWERS

# Answers that lift a block.  Over a limit they wait for a manager; every
# other answer only restricts contact and applies at once even then.
LIFT_ANSWERS = {
    answer
    for answer, events in ANSWER_EVENTS.items()
    if any(action == "opt_in" for _channel, action in events)
}
# Answers within the window, per system parameter; 0 turns a limit off.
LIMIT_DEFAULTS = {
    "token": ("callflow_optout.rate_limit_token", 10),
    "number": ("callflow_optout.rate_limit_number", 5),
    "network": ("callflow_optout.rate_limit", 20),
}


class CallflowOptoutIntake(models.AbstractModel):
    _name = "callflow.optout.intake"
    _description = "Opt-out Page Answers Intake"

    @api.model
    def _validate_answer(self, post):
        """Clean a posted form: ``(values, errors)``, the messages in the
        visitor's language; never raises (``answer_form.validate_answer``)."""
        values, errors = validate_answer(post, ANSWERS, REASONS)
        return values, {key: self.env._(error) for key, error in errors.items()}

    @api.model
    def _over_limit(self, token=None, e164=None, network=None):
        """Which limit a new answer would exceed: a ``review_reason`` or False.

        A personal link is counted per link, never per address: the people
        behind one proxy or carrier NAT each have their own link.  The page
        without a link is counted per number and per client network.
        Counted from the stored answers, so every worker sees the same count.
        Limits: system parameters ``callflow_optout.rate_limit_token``,
        ``callflow_optout.rate_limit_number``, ``callflow_optout.rate_limit``
        (per network) within ``callflow_optout.rate_limit_minutes``.
        """
        params = self.env["ir.config_parameter"].sudo()
        Response = self.env["callflow.optout.response"]
        minutes = int(params.get_param("callflow_optout.rate_limit_minutes", 10) or 0)
        if minutes <= 0:
            return False
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        if token:
            checks = [("token", [("token_id", "=", token.id)])]
        else:
            checks = [
                ("number", [("token_id", "=", False), ("number", "=", e164)]),
                (
                    "network",
                    [("token_id", "=", False), ("request_network", "=", network)],
                ),
            ]
        for reason, domain in checks:
            key, default = LIMIT_DEFAULTS[reason]
            limit = int(params.get_param(key, default) or 0)
            if limit <= 0 or (reason == "network" and not network):
                continue
            count = Response.sudo().search_count(
                domain + [("create_date", ">=", since)], limit=limit
            )
            if count >= limit:
                return reason
        return False

    @api.model
    def _receive(self, values, token=None, e164=None, request_info=None):
        """Store a posted answer, within the limits or not; return it.

        Over a limit the answer is kept and marked for review: a restricting
        answer (a "stop") still applies at once, since honouring it can harm
        nobody; an answer that lifts a block is held until a manager applies
        it, so a flood cannot undo a person's "stop".
        """
        request_info = request_info or {}
        Response = self.env["callflow.optout.response"]
        reason = self._over_limit(
            token=token,
            e164=e164,
            network=client_network(request_info.get("ip")),
        )
        if not reason:
            return Response._submit(
                values, token=token, e164=e164, request_info=request_info
            )
        if values["answer"] in LIFT_ANSWERS:
            return self._hold(values, reason, token, e164, request_info)
        response = Response._submit(
            values, token=token, e164=e164, request_info=request_info
        )
        response.write({"review_state": "to_review", "review_reason": reason})
        return response

    @api.model
    def _hold(self, values, reason, token, e164, request_info):
        """Keep an answer without applying it, for a manager to review."""
        Response = self.env["callflow.optout.response"]
        vals = Response._answer_vals(values, token, e164, request_info)
        vals.update(state="held", review_state="to_review", review_reason=reason)
        return Response.create(vals)
