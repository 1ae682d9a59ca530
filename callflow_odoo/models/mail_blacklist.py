from odoo import fields, models


class MailBlacklist(models.Model):
    """Email blacklist entries made by the contact-preference ledger.

    The ledger adds an email when the person opts out of email and removes it
    when the person proves control of their number and opts back in; see
    ``callflow.preference.event._sync_mail_blacklist``.
    """

    _inherit = "mail.blacklist"

    callflow_number = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="Number whose opt-out in the Callflow contact preferences added "
        "this address; its proven opt-in removes it again. Empty when the "
        "address was blacklisted or confirmed in Odoo (a mailing's unsubscribe, "
        "by hand): then only Odoo removes it.",
    )

    def _add(self, email, message=None):
        # Odoo itself (a mailing's unsubscribe) confirms the entry: from now
        # on the ledger's opt-ins must not lift it.
        record = super()._add(email, message=message)
        record.filtered("callflow_number").callflow_number = False
        return record
