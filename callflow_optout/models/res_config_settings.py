from odoo import api, fields, models

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
