from odoo import fields, models

from .callflow_call import OUTCOMES


class CallflowCallResult(models.Model):
    """The business result an operator picks after a call.

    The technical outcome (no answer, busy, answered…) says what the line did;
    the result says what it means for the sale and what Callflow must do next
    (retry, call back, stop, write to the ledger, move the lead).
    """

    _name = "callflow.call.result"
    _description = "Call Result"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    outcome_hint = fields.Selection(
        OUTCOMES,
        help="Technical outcome this result usually goes with; the call log "
        "proposes it.",
    )
    is_final = fields.Boolean(
        string="Final",
        help="The entry is done: it will not be called again from this list.",
    )
    schedule_callback = fields.Boolean(
        help="Ask for a callback date and time; the entry comes back to the "
        "same operator when it is due.",
    )
    is_refusal = fields.Boolean(
        string="Refusal",
        help="The person refused calls for this purpose: a refusal is written "
        "to the contact-preference ledger and no list of this purpose calls "
        "them again (特定商取引法 §17).",
    )
    is_dnc = fields.Boolean(
        string="Do Not Call",
        help="The person asked never to be called: a do-not-call event is "
        "written to the contact-preference ledger.",
    )
    is_obsolete = fields.Boolean(
        string="Number Obsolete",
        help="Wrong person or the person left: the number is marked obsolete "
        "in the ledger.",
    )
    is_positive = fields.Boolean(
        string="Positive",
        help="Counts as a success in the reports; may move the lead to a stage "
        "or create an opportunity.",
    )
    stage_id = fields.Many2one(
        "crm.stage",
        string="Move Lead to Stage",
        help="For positive results: the lead's new stage.",
    )
    create_opportunity = fields.Boolean(
        help="For positive results: convert the lead to an opportunity (or "
        "create one for a contact).",
    )

    def _ends_entry(self):
        """Whether logging this result closes the list entry for good."""
        self.ensure_one()
        return self.is_final or self.is_refusal or self.is_dnc or self.is_obsolete
