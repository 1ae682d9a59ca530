from odoo import fields, models


class CallflowApiKeyShow(models.AbstractModel):
    """Shows a new API key once, as Odoo's ``res.users.apikeys.show``: an
    abstract model, so the key lives in the dialog only, never in a table."""

    _name = "callflow.api.key.show"
    _description = "Show a new Callflow API key"

    # The form's onchange needs an id to return the key's value.
    id = fields.Id()
    key = fields.Char(readonly=True)
    key_id = fields.Char("Key ID", readonly=True)
