"""Ledger events the demo shows and the tests record, written once so that
the demo shows what the tests check."""


def web_opt_out(number, partner_id, **vals):
    """Values of the ledger event of a person who opted out of all contact
    on the web page ("Too many calls"): the red banner's example.  ``vals``
    add to them or replace them (evidence, date)."""
    return dict(
        {
            "number": number,
            "partner_id": partner_id,
            "channel": "all",
            "scope": "all",
            "action": "opt_out",
            "source": "web",
            "reason": "Too many calls",
        },
        **vals,
    )
