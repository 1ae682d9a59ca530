from odoo import api, fields, models
from odoo.tools import SQL

# The outcomes whose results an operator hesitates between: the results of a
# conversation need somebody on the line; "no answer", "busy" and "voicemail"
# are all "not reached". A wrong person is found out by talking to them.
NOT_REACHED = ("no_answer", "busy", "voicemail")
FITTING_HINTS = {
    "no_answer": NOT_REACHED,
    "busy": NOT_REACHED,
    "voicemail": NOT_REACHED,
    "answered": ("answered", "failed"),
    "failed": ("failed",),
}
# How many of the company's latest calls the picker counts the results of:
# recent habits, at a bounded cost (a backward walk of the primary key)
# however many calls the company has logged.
USAGE_SAMPLE = 2000

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
    is_complaint = fields.Boolean(
        string="Complaint",
        help="The person was upset: logging this result records a complaint "
        "(the call's note is its reason, so a note is required). It is shown "
        "on the contact and its leads and before the next call; lists may "
        "skip people with a recent complaint. Not an opt-out: the ledger is "
        "untouched.",
    )

    def _ends_entry(self):
        """Whether logging this result closes the list entry for good."""
        self.ensure_one()
        return self.is_final or self.is_refusal or self.is_dnc or self.is_obsolete

    @api.model
    def _fitting_domain(self, outcome):
        """Results that make sense after ``outcome``; those without a hint
        fit every outcome."""
        hints = FITTING_HINTS.get(outcome)
        if not hints:
            return []
        return ["|", ("outcome_hint", "=", False), ("outcome_hint", "in", hints)]

    @api.model
    def _usage_counts(self):
        """``{result_id: (uses by this operator, uses in this company)}``
        among the company's last ``USAGE_SAMPLE`` calls, in one query. Plain
        SQL: operators see only their own calls, and only counts leave the
        query."""
        self.env["callflow.call"].flush_model(["result_id", "user_id", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT result_id,
                       count(*) FILTER (WHERE user_id = %(uid)s),
                       count(*)
                  FROM (SELECT result_id, user_id FROM callflow_call
                         WHERE company_id = %(company)s
                         ORDER BY id DESC LIMIT %(sample)s) AS recent
                 WHERE result_id IS NOT NULL
                 GROUP BY result_id
                """,
                uid=self.env.uid,
                company=self.env.company.id,
                sample=USAGE_SAMPLE,
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    @api.model
    def callflow_picker_choices(self, outcome):
        """``[(id, name)]`` of the results the log wizard offers after
        ``outcome``: all that fit, the ones this operator (then the company)
        uses most first, then in their sequence."""
        results = self.search(self._fitting_domain(outcome))
        uses = self._usage_counts()

        def rank(result):
            mine, ours = uses.get(result.id, (0, 0))
            return (-mine, -ours, result.sequence, result.id)

        return [(r.id, r.display_name) for r in results.sorted(rank)]
