import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..tools.list_rows import EntryRow, SourceRow, source_number, source_query
from ..tools.phone import NOT_A_NUMBER
from ..tools.phone_errors import parse_error_message

SOURCE_CHUNK = 20000
INSERT_CHUNK = 20000
ANALYZE_THRESHOLD = 10000

_logger = logging.getLogger(__name__)


class CallflowListBuilder(models.AbstractModel):
    """Turns a call list's leads or contacts into entries, in bulk: source
    rows read in chunks, numbers parsed once, the ledger asked once, one
    INSERT per chunk. Apart from ``callflow.list`` (which keeps its
    settings and buttons) because building is a pipeline of its own."""

    _name = "callflow.list.builder"
    _description = "Call list builder"

    @api.model
    def _action_build(self, lists):
        """Build ``lists`` and say how many entries were added and held back."""
        added = 0
        for call_list in lists:
            added += call_list._build_entries()
        message = self.env._("%(count)s entries added.", count=added)
        stale = self.env["callflow.list.entry"].search_count(
            [("list_id", "in", lists.ids), ("is_stale", "=", True)]
        )
        if stale:
            message += " " + self.env._(
                "%(count)s held back as stale (no recent confirmation).",
                count=stale,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _source_domain(self, call_list):
        call_list.ensure_one()
        try:
            domain = safe_eval(call_list.source_domain or "[]")
        except Exception as exc:
            raise UserError(
                self.env._(
                    "The source filter of %(list)s is not valid.", list=call_list.name
                )
            ) from exc
        return domain

    @api.model
    def _build_entries(self, call_list, record_ids=None):
        """Add the source records matching the list's filter (or the given
        ``record_ids``) as entries; return how many were added.

        Set-based: source rows are read in chunks with SQL, numbers are
        parsed once per distinct (text, region), duplicates are merged, the
        ledger is asked once for all numbers, and entries are inserted in
        bulk.
        """
        call_list.ensure_one()
        Source = self.env[call_list.source_model]
        if record_ids is None:
            ids = Source.search(self._source_domain(call_list)).ids
        else:
            ids = Source.browse(record_ids).exists()._filtered_access("read").ids
        self.env.flush_all()
        seen_numbers, seen_records = self._existing_entries(call_list)
        todo = [i for i in ids if i not in seen_records]
        rows = self._apply_ledger(
            call_list, self._entry_rows(call_list, todo, seen_numbers)
        )
        self._insert_entries(call_list, rows)
        self.env["callflow.number.confirmation"]._refresh_staleness(
            list_ids=call_list.ids
        )
        call_list.last_build = fields.Datetime.now()
        return len(rows)

    @api.model
    def _source_key(self, call_list):
        """The entry field that links to a source record."""
        return "lead_id" if call_list.source_model == "crm.lead" else "partner_id"

    @api.model
    def _existing_entries(self, call_list):
        """``(numbers, source record ids)`` already on the list."""
        self.env.cr.execute(
            SQL(
                "SELECT number, %s FROM callflow_list_entry WHERE list_id = %s",
                SQL.identifier(self._source_key(call_list)),
                call_list.id,
            )
        )
        numbers = set()
        records = set()
        for number, rid in self.env.cr.fetchall():
            if number:
                numbers.add(number)
            records.add(rid)
        return numbers, records

    @api.model
    def _entry_rows(self, call_list, ids, seen_numbers):
        """``EntryRow``s of the source records ``ids``, read in chunks: an
        invalid number gives an invalid entry, a number already seen (on
        the list or earlier in ``ids``) none. Adds to ``seen_numbers``."""
        company_region = (call_list.company_id.country_id.code or "").upper()
        company_tz = call_list.company_id.partner_id.tz or self.env.user.tz or "UTC"
        is_lead = call_list.source_model == "crm.lead"
        rows = []
        for start in range(0, len(ids), SOURCE_CHUNK):
            self.env.cr.execute(
                source_query(call_list.source_model, ids[start : start + SOURCE_CHUNK])
            )
            for source in map(SourceRow._make, self.env.cr.fetchall()):
                region = (source.country_code or company_region or "").upper()
                parsed = source_number(source.phone, source.mobile, region)
                if parsed.number in seen_numbers:
                    continue
                if parsed.number:
                    seen_numbers.add(parsed.number)
                    state, reason = "pending", None
                    tz = source.tz or parsed.zone or company_tz
                else:
                    state, reason = "invalid", self._invalid_reason(parsed.error)
                    tz = source.tz or company_tz
                rows.append(
                    EntryRow(
                        partner_id=source.partner_id if is_lead else source.id,
                        lead_id=source.id if is_lead else None,
                        name=source.name,
                        raw=parsed.raw,
                        number=parsed.number,
                        state=state,
                        reason=reason,
                        tz=tz,
                    )
                )
        return rows

    @api.model
    def _apply_ledger(self, call_list, rows):
        """The rows with the numbers the ledger blocks for the list's
        purpose turned into suppressed entries, with the reason."""
        State = self.env["callflow.preference.state"]
        blocked = State._check_numbers(
            [r.number for r in rows if r.number], "call", call_list.purpose
        )
        if not blocked:
            return rows
        labels = {code: State._reason_label(code) for code in set(blocked.values())}
        return [
            r._replace(state="suppressed", reason=labels[blocked[r.number]])
            if r.number in blocked
            else r
            for r in rows
        ]

    @api.model
    def _invalid_reason(self, reason):
        return parse_error_message(self.env, reason or NOT_A_NUMBER)

    @api.model
    def _insert_entries(self, call_list, rows):
        """Bulk INSERT ... SELECT FROM unnest() of ``EntryRow``s: one
        statement per chunk."""
        if not rows:
            return
        cr = self.env.cr
        uid = self.env.uid
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cr.execute(
                SQL(
                    """
                    INSERT INTO callflow_list_entry
                           (list_id, company_id, partner_id, lead_id, name,
                            raw_number, number, state, state_reason, tz,
                            priority, attempt_count, create_uid, write_uid,
                            create_date, write_date)
                    SELECT %(list)s, %(company)s, u.partner_id, u.lead_id, u.name,
                           u.raw, u.number, u.state, u.reason, u.tz,
                           '0', 0, %(uid)s, %(uid)s,
                           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                      FROM unnest(%(p)s::int[], %(l)s::int[], %(n)s::varchar[],
                                  %(r)s::varchar[], %(e)s::varchar[],
                                  %(s)s::varchar[], %(why)s::varchar[],
                                  %(tz)s::varchar[])
                           AS u(partner_id, lead_id, name, raw, number, state,
                                reason, tz)
                    """,
                    list=call_list.id,
                    company=call_list.company_id.id,
                    uid=uid,
                    p=[r.partner_id for r in chunk],
                    l=[r.lead_id for r in chunk],
                    n=[r.name for r in chunk],
                    r=[r.raw for r in chunk],
                    e=[r.number for r in chunk],
                    s=[r.state for r in chunk],
                    why=[r.reason for r in chunk],
                    tz=[r.tz for r in chunk],
                )
            )
        if len(rows) >= ANALYZE_THRESHOLD:
            # fresh statistics, or the planner keeps the plans of an empty
            # table and picking reads the whole list
            cr.execute(SQL("ANALYZE callflow_list_entry"))
        self.env["callflow.list.entry"].invalidate_model()
        call_list.invalidate_recordset()

    @api.model
    def _cron_sync_lists(self):
        """Add new matches to the lists that keep in sync, each in its own
        savepoint: one broken filter does not stop the others."""
        lists = self.env["callflow.list"].search(
            [("keep_in_sync", "=", True), ("state", "!=", "done")]
        )
        for rec in lists:
            try:
                with self.env.cr.savepoint():
                    rec._build_entries()
            except Exception:
                _logger.exception("Callflow: could not sync call list %s", rec.id)
