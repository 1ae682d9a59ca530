from odoo import api, fields, models

from .callflow_optout_token import TOKEN_MAX_AGE_DAYS

CONTACTUS_VIEW = "callflow_optout.contactus_form_contact_choice"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    callflow_contactus_question = fields.Boolean(
        string="Ask on the Contact us form",
        compute="_compute_callflow_contactus_question",
        inverse="_inverse_callflow_contactus_question",
        help="The website's Contact us form creates a lead and asks how the "
        "person may be contacted (phone, SMS, email only); the answer is "
        "recorded in the contact preferences. Off by default: the form stays "
        "Odoo's own.",
    )

    # The opt-out page's limits and links (system parameters read by
    # callflow.optout.intake._over_limit and callflow.optout.token).
    callflow_optout_rate_limit_minutes = fields.Integer(
        string="Answer Count Window (minutes)",
        config_parameter="callflow_optout.rate_limit_minutes",
        default=10,
        help="Answers on the opt-out page are counted over this many minutes. "
        "Beyond a limit below, an answer is kept but held for review: a stop "
        "still applies at once, a lift waits for a manager. 0: no limits.",
    )
    callflow_optout_rate_limit_token = fields.Integer(
        string="Answers per Personal Link",
        config_parameter="callflow_optout.rate_limit_token",
        default=10,
        help="Within the window, per personal link sent by SMS (never per "
        "address: people behind one carrier share it). 0: no limit.",
    )
    callflow_optout_rate_limit_number = fields.Integer(
        string="Answers per Number",
        config_parameter="callflow_optout.rate_limit_number",
        default=5,
        help="Within the window, per phone number typed on the page without a "
        "link. 0: no limit.",
    )
    callflow_optout_rate_limit_network = fields.Integer(
        string="Answers per Network",
        config_parameter="callflow_optout.rate_limit",
        default=20,
        help="Within the window, per client network (IPv4 /24, IPv6 /64) on "
        "the page without a link. 0: no limit.",
    )
    callflow_optout_token_max_age_days = fields.Integer(
        string="Personal Link Lifetime (days)",
        config_parameter="callflow_optout.token_max_age_days",
        default=TOKEN_MAX_AGE_DAYS,
        help="An older personal link leads to the page without a link, where "
        "the person types their number: a link forwarded or found years later "
        "no longer speaks for them. 0: links never expire.",
    )

    @api.model
    def _callflow_bounds(self):
        return {
            **super()._callflow_bounds(),
            "callflow_optout_rate_limit_minutes": (0, 24 * 60),
            "callflow_optout_rate_limit_token": (0, 1000),
            "callflow_optout_rate_limit_number": (0, 1000),
            "callflow_optout_rate_limit_network": (0, 10000),
            "callflow_optout_token_max_age_days": (0, 10 * 366),
        }

    @api.depends("company_id")
    def _compute_callflow_contactus_question(self):
        view = self.env.ref(CONTACTUS_VIEW, raise_if_not_found=False)
        active = bool(view and view.with_context(active_test=False).active)
        for settings in self:
            settings.callflow_contactus_question = active

    def _inverse_callflow_contactus_question(self):
        view = self.env.ref(CONTACTUS_VIEW, raise_if_not_found=False)
        for settings in self:
            if view and view.active != settings.callflow_contactus_question:
                # sudo: the setting is shown to settings administrators only,
                # who may change the website; views are technical records.
                view.sudo().active = settings.callflow_contactus_question
