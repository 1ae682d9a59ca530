from odoo import api, fields, models
from odoo.tools import SQL

from .phone_blacklist import note_blacklisted


class MailBlacklist(models.Model):
    """Email blacklist entries made by the contact-preference ledger.

    The ledger adds an email when the person opts out of email and removes it
    when the person proves control of their number and opts back in; see
    ``_callflow_sync``.
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

    @api.model
    def _callflow_sync(self, events):
        """Keep Odoo's ``mail.blacklist`` (obeyed by mass mailing) in step, as
        ``phone.blacklist._callflow_sync`` does for SMS.

        The ledger is keyed by number: an event carries an email only when the
        person gave one.  An opt-out (or refusal, do-not-call, obsolete) of all
        contact by email or on every channel blacklists that email; the entry
        keeps the number (``callflow_number``).  An opt-in proving control of
        a number (see ``SELF_SOURCES``) removes the entries the ledger made for
        the emails that number's events gave, once the ledger blocks email to
        no number giving that email.  An entry made or confirmed in Odoo (a
        mailing's unsubscribe, by hand) has no number and stays: the ledger
        cannot prove who owns an email address.
        """
        to_add = {}  # email -> number
        lifted = set()
        for event in events.sorted(lambda e: (e.event_date, e.id)):
            if event.channel not in ("email", "all") or event.scope != "all":
                continue
            if event.action != "opt_in":
                if event.email:
                    to_add[event.email] = event.number
                    lifted.discard(event.number)
            elif event.is_self:
                to_add = {e: n for e, n in to_add.items() if n != event.number}
                lifted.add(event.number)
        # sudo: mail.blacklist is writable by system administrators only, but
        # every email opt-out must reach it or mass mailing would ignore it.
        blacklist = self.sudo()
        if to_add:
            blacklist._callflow_add(to_add)
        if lifted:
            self._callflow_lift(lifted)

    @api.model
    def _callflow_add(self, to_add):
        """Blacklist the emails of ``to_add`` (``{email: number}``) for the
        ledger, with a note on each new entry (see ``_callflow_sync``)."""
        # Upsert in SQL, as for phone.blacklist: concurrent opt-outs must
        # not fail on the unique email.  An entry already active is left
        # as it is (without a number when Odoo made it).
        self.flush_model()
        emails = sorted(to_add)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_blacklist
                       (email, active, callflow_number, create_uid, write_uid,
                        create_date, write_date)
                SELECT email, TRUE, number, %(uid)s, %(uid)s,
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM unnest(%(emails)s::varchar[], %(numbers)s::varchar[])
                       AS t(email, number)
                ON CONFLICT (email) DO UPDATE
                   SET active = TRUE,
                       callflow_number = EXCLUDED.callflow_number,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                 WHERE NOT mail_blacklist.active
                RETURNING id
                """,
                uid=self.env.uid,
                emails=emails,
                numbers=[to_add[email] for email in emails],
            )
        )
        changed = [row[0] for row in self.env.cr.fetchall()]
        note_blacklisted(self, changed)

    @api.model
    def _callflow_lift(self, numbers):
        """Remove the ledger's email blacklist entries of ``numbers`` (just
        lifted by a proving opt-in) that no other block keeps."""
        self.env["callflow.preference.event"].flush_model()
        blocking = SQL(
            "channel IN ('email', 'all') AND scope = 'all'"
            " AND action NOT IN ('opt_in', 'hours') AND email IS NOT NULL"
        )
        # Every number that gave one of these numbers' emails in an opt-out.
        self.env.cr.execute(
            SQL(
                """
                SELECT email, array_agg(DISTINCT number)
                  FROM callflow_preference_event
                 WHERE %(blocking)s AND email IN (
                       SELECT email FROM callflow_preference_event
                        WHERE %(blocking)s AND number = ANY(%(numbers)s))
                 GROUP BY email
                """,
                blocking=blocking,
                numbers=sorted(numbers),
            )
        )
        givers = dict(self.env.cr.fetchall())
        if not givers:
            return
        still_blocked = self.env["callflow.preference.state"]._check_numbers(
            set().union(*givers.values()), "email", include_blacklist=False
        )
        emails = [
            email
            for email, givers_numbers in givers.items()
            if not still_blocked.keys() & set(givers_numbers)
        ]
        # sudo: see _callflow_sync.
        entries = (
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", emails), ("callflow_number", "!=", False)])
        )
        if entries:
            entries._track_set_log_message(
                self.env._("Opted in again in the Callflow contact preferences.")
            )
            entries.write({"active": False, "callflow_number": False})
