from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    callflow_phonetic_name = fields.Char(
        string="Phonetic Reading",
        help="How the company name is read, e.g. in katakana (カブシキガイシャ…). "
        "Written in the directory vCard (X-PHONETIC-ORG) so Japanese phones sort "
        "the contact under the right letter.",
    )
    callflow_directory_intro = fields.Text(
        string="Directory Introduction",
        translate=True,
        help="Shown at the top of the public caller number directory and in the "
        "note of its vCard. Leave empty for a standard text.",
    )

    def _callflow_directory_settings_action(self):
        """Open the current company's directory settings (Callflow menu)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Directory Settings"),
            "res_model": "res.company",
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "callflow_odoo.res_company_view_form_callflow_directory"
                    ).id,
                    "form",
                )
            ],
            "target": "current",
        }

    # Company-wide calling caps (dialer), across all call lists.
    callflow_cap_enabled = fields.Boolean(
        string="Company Call Caps",
        default=True,
        help="Limit how often any one number is called, whatever the list or "
        "caller number.",
    )
    callflow_cap_calls_per_day = fields.Integer(
        string="Max Calls per Number per Day",
        default=2,
        help="Counted in the recipient's local day, across all call lists.",
    )
    callflow_cap_gap_hours = fields.Float(
        string="Min Gap between Calls (hours)",
        default=4.0,
        help="Minimum time between any two calls to the same number, across "
        "all call lists. A callback the person asked for is not held back.",
    )

    # Numbers go stale: not called once nobody confirmed them for this long.
    callflow_stale_months = fields.Integer(
        string="Stale Numbers After (months)",
        default=24,
        help="Don't call numbers whose last confirmation (a connected call, "
        "an opt-in from the person, a registration, a re-confirmation) is "
        "older than this. 0: never. Call lists may set their own.",
    )
    callflow_reconfirm_days = fields.Integer(
        string="Re-confirmation Reply Within (days)",
        default=14,
        help="A stale number sent a re-confirmation SMS that gets no reply "
        "within this many days is marked obsolete.",
    )
    callflow_inbound_list_id = fields.Many2one(
        "callflow.list",
        string="Inbound Callbacks List",
        help="Where missed inbound calls from people on no list become "
        "callbacks. Made on the first missed call.",
    )
    # Inbound calls on published numbers (Settings > Callflow > Voice).
    callflow_inbound_fallback = fields.Char(
        string="Inbound Fallback",
        help="Rung when neither the caller's last operator nor their list's "
        "operators answer: a phone number (+81…), a SIP URI "
        "(sip:desk@pbx.example.com) or a client identity (client:desk).",
    )
    callflow_inbound_fallback_user_ids = fields.Many2many(
        "res.users",
        "callflow_inbound_fallback_user_rel",
        "company_id",
        "user_id",
        string="Inbound Fallback Group",
        help="Users rung with the fallback number, those available at their "
        "'Ring me at'.",
    )
    callflow_voicemail_greeting = fields.Text(
        string="Voicemail Greeting",
        translate=True,
        help="Said to callers nobody answered, in their language, before the "
        "beep. Leave empty for a standard text.",
    )
