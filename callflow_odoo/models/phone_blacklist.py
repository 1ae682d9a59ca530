from odoo import api, models
from odoo.tools import SQL

# Above this many new blacklist entries in one batch, no chatter note on each.
BLACKLIST_NOTE_LIMIT = 20


def note_blacklisted(blacklist, ids):
    """A note on each new or re-activated entry of ``blacklist`` (phone or
    mail) says where it came from; not for big imports (one message each
    would take minutes; the ledger is the record)."""
    changed = blacklist.browse(ids)
    blacklist.invalidate_model()
    if len(changed) > BLACKLIST_NOTE_LIMIT:
        return
    for entry in changed.with_context(mail_create_nosubscribe=True):
        entry.message_post(
            body=blacklist.env._("Opted out in the Callflow contact preferences."),
            subtype_xmlid="mail.mt_note",
        )


class PhoneBlacklist(models.Model):
    """Phone blacklist entries made by the contact-preference ledger: it
    follows the ledger's SMS events (see :meth:`_callflow_sync`)."""

    _inherit = "phone.blacklist"

    @api.model
    def _callflow_sync(self, events):
        """Keep Odoo's ``phone.blacklist`` (obeyed by SMS marketing) in step.

        An opt-out (or refusal, do-not-call, obsolete) of all contact by SMS
        or on every channel blacklists the number; the person's own opt-in
        to SMS for all contact removes it again once nothing else in the
        ledger blocks SMS to that number.
        """
        latest = {}  # number -> "add" / "remove", from its latest event here
        for event in events.sorted(lambda e: (e.event_date, e.id)):
            # (preferred hours are always channel "call": skipped here too)
            if event.channel not in ("sms", "all") or event.scope != "all":
                continue
            if event.action != "opt_in":
                latest[event.number] = "add"
            elif event.is_self:
                latest[event.number] = "remove"
        to_add = {number for number, todo in latest.items() if todo == "add"}
        to_remove = set(latest) - to_add
        # sudo: phone.blacklist is writable by system administrators only, but
        # every preference event must reach it or SMS marketing would ignore it.
        blacklist = self.sudo()
        if to_add:
            blacklist._callflow_add(to_add)
        if to_remove:
            still_blocked = self.env["callflow.preference.state"]._check_numbers(
                to_remove, "sms", include_blacklist=False
            )
            listed = blacklist.search(
                [("number", "in", sorted(to_remove - set(still_blocked)))]
            )
            if listed:
                blacklist._remove(
                    listed.mapped("number"),
                    message=self.env._(
                        "Opted in again in the Callflow contact preferences."
                    ),
                )

    @api.model
    def _callflow_add(self, to_add):
        """Blacklist the numbers of ``to_add`` for the ledger, with a note on
        each new or re-activated entry (see ``_callflow_sync``)."""
        # Upsert in SQL rather than phone.blacklist._add(): concurrent
        # opt-outs of one number (parallel web requests) must not fail on
        # its unique constraint, and an import must not format every
        # (already E.164) number again.
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO phone_blacklist
                       (number, active, create_uid, write_uid,
                        create_date, write_date)
                SELECT number, TRUE, %(uid)s, %(uid)s,
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM unnest(%(numbers)s::varchar[]) AS t(number)
                ON CONFLICT (number) DO UPDATE
                   SET active = TRUE, write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                 WHERE NOT phone_blacklist.active
                RETURNING id
                """,
                uid=self.env.uid,
                numbers=sorted(to_add),
            )
        )
        changed = [row[0] for row in self.env.cr.fetchall()]
        note_blacklisted(self, changed)
