from odoo import api, fields, models

from ..tools.preference_events import ACTIONS, CHANNELS, SCOPES
from ..tools.purposes import PURPOSES


class CallflowPreferenceEventWizard(models.TransientModel):
    """Managers record a preference by hand (a letter, a phone call to the
    office, a correction); the reason is required because the event is
    permanent evidence."""

    _name = "callflow.preference.event.wizard"
    _description = "Record a contact preference"

    number = fields.Char(required=True, help="The phone number, in any usual format.")
    partner_id = fields.Many2one("res.partner", string="Contact")
    channel = fields.Selection(CHANNELS, required=True, default="all")
    scope = fields.Selection(SCOPES, required=True, default="all")
    purpose = fields.Selection(PURPOSES, help="Required when the scope is one purpose.")
    # Preferred hours come from the person, through the opt-out page.
    action = fields.Selection(
        [action for action in ACTIONS if action[0] != "hours"],
        required=True,
        default="opt_out",
    )
    reason = fields.Char(required=True, help="Why you record this event.")
    evidence = fields.Text(help="What the person said or wrote, and how.")

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.number:
            self.number = self.partner_id.mobile or self.partner_id.phone

    def action_record(self):
        self.ensure_one()
        # Only managers reach this wizard (access rights); the event itself is
        # written by the ledger's single entry point.
        self.check_access("create")
        self.env["callflow.preference.event"]._record(
            [
                {
                    "number": self.number,
                    "partner_id": self.partner_id.id,
                    "channel": self.channel,
                    "scope": self.scope,
                    "purpose": self.purpose,
                    "action": self.action,
                    "source": "manual",
                    "reason": self.reason,
                    "evidence": self.evidence,
                    "user_id": self.env.uid,
                }
            ]
        )
        return {"type": "ir.actions.act_window_close"}
