"""The dataset's honesty rules: invariants that tie rows to dates, sources and evidence.

:mod:`standoff.data` runs them every time it validates the package (after the schema and key
checks), so a row that breaks one stops the book's build and fails the tests with a message that
names the file, the row and the rule, e.g. ::

    data/contacts.csv, row 9, field 'initiated_evidence': rule 'initiator-has-evidence': ...

The rules:

``scheduled-has-outcome``
    Every scheduled date (an expiry, a deadline, the end of a suspension, a step due to take
    effect) carries an ``outcome``: what happened, or "Unknown as of data_as_of: <why>". A
    scheduled date on or before ``data_as_of`` needs an outcome that is not only "unknown" unless
    it gives a reason; a scheduled date after ``data_as_of`` can only have an unknown outcome (the
    data is not checked that far). A ``scheduled`` status on or before ``data_as_of`` is an error:
    the row must say what happened.
``event-not-after-as-of``
    No event date (any date field that is not a scheduled date) lies after ``data_as_of``.
``dated-after-source``
    No row is dated after the publication date of the latest of its sources (every column that is a
    foreign key into ``sources``: ``source_id``, ``source_id_2``, ``confirmed_by``), except rows
    whose status says it is scheduled, announced, threatened, suspended or cancelled, and scheduled
    dates. A source dated only to a month or a year counts from the end of that month or year; an
    undated source cannot be checked and is skipped. One day of slack allows for time zones: a
    report dated in Washington on the evening of the 9th can describe the 10th in Beijing.
``initiator-has-evidence``
    In ``contacts``, every ``initiated_by`` other than ``unknown`` has ``initiated_evidence``.
``coverage-count``
    Every row of ``coverage_checks`` (a count that an independent source gives for a period, such
    as a year-end review's number of leaders' calls) matches the number of rows of that kind and
    level in the table for the period. A missing or extra contact fails the build.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

# Date fields that hold a scheduled (future-at-the-time) date rather than the date of an event.
# A callable decides per row where only some rows' dates are scheduled.
SCHEDULED = {
    "tariff_actions": {"planned_date": None},
    "rare_earth_controls": {"suspended_until": None},
    "non_tariff_measures": {"scheduled_end": None},
    "history_events": {"date": lambda r: r.get("kind") == "deadline"},
}
# Dates of plans that never happened and say so in their own row (no outcome column needed):
# PIIE's "planned" averages are what a plan would have reached.
PLANS = {
    "tariff_averages": {"as_of": lambda r: r.get("kind") == "planned"},
}
# Where a scheduled date must carry an outcome, the column that holds it.
OUTCOME = "outcome"
# Statuses that say a row records an announcement or a plan, not something that happened.
NOT_HAPPENED = {"scheduled", "announced", "threatened", "suspended", "cancelled", "not stated"}
UNKNOWN = re.compile(r"^unknown as of data_as_of\b", re.I)
TIME_ZONE_SLACK = timedelta(days=1)


def _is_scheduled(table: str, field: str, row: dict) -> bool:
    rule = SCHEDULED.get(table, {})
    if field not in rule:
        return False
    cond = rule[field]
    return True if cond is None else bool(cond(row))


def _is_plan(table: str, field: str, row: dict) -> bool:
    cond = PLANS.get(table, {}).get(field)
    return bool(cond and cond(row))


def _source_end(raw: str | None) -> date | None:
    """The last day a source's publication date can mean (YYYY, YYYY-MM or YYYY-MM-DD)."""
    if not raw:
        return None
    parts = [int(p) for p in raw.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], 12, 31)


def _date_fields(table) -> list[str]:
    return [f["name"] for f in table.fields if f.get("type") == "date"]


def violations(desc: dict, tables: dict) -> list[tuple[str, int, str, str]]:
    """Every broken rule as (file, CSV line, field, message); empty when the data is honest."""
    raw_as_of = desc.get("data_as_of")
    try:
        as_of = date.fromisoformat(raw_as_of)
    except (TypeError, ValueError):
        return [("datapackage.json", None, "data_as_of", f"{raw_as_of!r} is not a date in YYYY-MM-DD form")]
    src_dates = {}
    if "sources" in tables:
        src_dates = {r["source_id"]: _source_end(r.get("date")) for r in tables["sources"].rows}
    out = []
    for name, t in tables.items():
        dates = _date_fields(t)
        names = {f["name"] for f in t.fields}
        source_cols = [fk["fields"][0] for fk in t.foreign_keys if fk["reference"]["resource"] == "sources"]
        for line, r in enumerate(t.rows, start=2):
            status = (r.get("status") or "").lower()
            # scheduled-has-outcome
            for field in dates:
                if r.get(field) is None or not _is_scheduled(name, field, r):
                    continue
                when = r[field]
                if OUTCOME not in names:
                    out.append((t.path, line, field, f"rule 'scheduled-has-outcome': {field} is a scheduled date "
                                f"but the table has no '{OUTCOME}' column to record what happened"))
                    continue
                outcome = (r.get(OUTCOME) or "").strip()
                if not outcome:
                    out.append((t.path, line, OUTCOME, f"rule 'scheduled-has-outcome': {field} {when} is scheduled; "
                                "say what happened, or 'Unknown as of data_as_of: <why>'"))
                elif UNKNOWN.match(outcome) and len(UNKNOWN.sub("", outcome).strip(" :;,.-")) < 10:
                    out.append((t.path, line, OUTCOME, "rule 'scheduled-has-outcome': an unknown outcome must say why"))
                elif when > as_of and not UNKNOWN.match(outcome):
                    out.append((t.path, line, OUTCOME, f"rule 'scheduled-has-outcome': {field} {when} is after "
                                f"data_as_of {as_of}, so its outcome can only be 'Unknown as of data_as_of: <why>'"))
            if status == "scheduled":
                due = [r[f] for f in dates if r.get(f) is not None and _is_scheduled(name, f, r)]
                if not due or min(due) <= as_of:
                    out.append((t.path, line, "status", f"rule 'scheduled-has-outcome': status is 'scheduled' but the "
                                f"date {min(due) if due else '(none)'} is on or before data_as_of {as_of}: "
                                "record what happened"))
            # event-not-after-as-of and dated-after-source
            ids = [r.get(f) for f in source_cols]
            ends = [src_dates.get(s) for s in ids if s]
            ends = [e for e in ends if e is not None]
            latest = max(ends) if ends else None
            for field in dates:
                when = r.get(field)
                if when is None or _is_scheduled(name, field, r) or _is_plan(name, field, r):
                    continue
                if when > as_of:
                    out.append((t.path, line, field, f"rule 'event-not-after-as-of': {when} is after data_as_of "
                                f"{as_of}; move data_as_of or mark the date as scheduled"))
                if latest is not None and when > latest + TIME_ZONE_SLACK and status not in NOT_HAPPENED:
                    out.append((t.path, line, field, f"rule 'dated-after-source': {when} is after the publication "
                                f"date of its latest source ({latest}, {'/'.join(s for s in ids if s)}); cite a source "
                                "that reports it happened"))
            # initiator-has-evidence
            if name == "contacts" and r.get("initiated_by") not in (None, "unknown") and not r.get("initiated_evidence"):
                out.append((t.path, line, "initiated_evidence", f"rule 'initiator-has-evidence': initiated_by is "
                            f"{r['initiated_by']!r} but initiated_evidence is empty"))
    out.extend(_coverage(tables))
    return out


def _coverage(tables: dict) -> list:
    cov = tables.get("coverage_checks")
    if cov is None:
        return []
    out = []
    for line, r in enumerate(cov.rows, start=2):
        target = tables.get(r["table"])
        if target is None:
            out.append((cov.path, line, "table", f"rule 'coverage-count': no table {r['table']!r}"))
            continue
        kinds = {k.strip() for k in r["kinds"].split(";")}
        n = sum(1 for t in target.rows if t.get("kind") in kinds and t.get("level") == r["level"]
                and r["period_start"] <= t["start_date"] <= r["period_end"])
        if n != r["expected_count"]:
            out.append((cov.path, line, "expected_count", f"rule 'coverage-count': {r['source_id']} implies "
                        f"{r['expected_count']} {'/'.join(sorted(kinds))} rows at level {r['level']} in "
                        f"{r['period_start']}..{r['period_end']}, but {target.path} has {n}"))
    return out


def check(desc: dict, tables: dict) -> None:
    """Raise :class:`standoff.data.DataError` for the first broken rule."""
    from .data import DataError

    found = violations(desc, tables)
    if found:
        file, line, field, msg = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise DataError(file, line, field, msg + more)
