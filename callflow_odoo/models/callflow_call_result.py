from odoo import fields, models


class CallflowCallResult(models.Model):
    """A business result an operator picks after a call.

    The flags say what the result does; the technical outcome (no answer,
    busy, ...) is logged separately on the call.
    """

    _name = "callflow.call.result"
    _description = "Call result"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True, help="When operators should pick it.")
    is_final = fields.Boolean(
        "Final",
        help="The entry is done: it is not called again from this list.",
    )
    schedule_callback = fields.Boolean(
        "Schedule a callback",
        help="The operator must give a date and time; the entry comes back to "
        "them then, with a 'Call' activity as a reminder.",
    )
    is_refusal = fields.Boolean(
        "Refusal (do not solicit again)",
        help="Records a refusal for the list's purpose in the contact "
        "preferences: nobody may call this number for that purpose again "
        "(特定商取引法 §17).",
    )
    is_dnc = fields.Boolean(
        "Do not call",
        help="Records a do-not-call request: the number is never called again, "
        "by anyone, from any list.",
    )
    is_obsolete = fields.Boolean(
        "Number obsolete",
        help="The person left or it is the wrong person: the number is marked "
        "obsolete for this contact so no list picks it up again.",
    )
    is_positive = fields.Boolean(
        "Positive",
        help="Counts as a success in the reports; can move the lead forward.",
    )
    stage_id = fields.Many2one(
        "crm.stage",
        "Move lead to stage",
        help="For a positive result: the lead or opportunity moves to this stage.",
    )
    create_opportunity = fields.Boolean(
        help="For a positive result on a contact without a lead: create an "
        "opportunity; a lead is converted into an opportunity.",
    )
    retry_delay_hours = fields.Float(
        "Retry after (hours)",
        help="For a result that is not final: the entry is not offered again "
        "before this delay (the list's minimum gap applies too).",
    )
