from odoo import fields, models


class CallflowPreferenceEvent(models.Model):
    _inherit = "callflow.preference.event"

    event_registration_id = fields.Many2one(
        "event.registration",
        string="Attendee",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The event registration where the person gave this answer.",
    )
