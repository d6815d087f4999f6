"""Reading plan files (CSV with "," or ";", or JSONL) into plan items, broken rows by line.

The plan is the administration's: the Digital Agenda's goals, the IT project plan and the
systems, one row each, known by ``key``. Like the idea import, a broken row never stops the
others; each is reported by its line, so the file can be fixed and imported again (rows are
matched by key, so that adds nothing twice). References (a project's goal and systems) must
name an item of the same file or one imported before.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.importer import ImportFileError, RowError, _csv_rows, _decode, _jsonl_records
from bot.text_input import clean_text
from knowledge.plans import KINDS, PROJECT_STATUSES, NewPlanItem
from knowledge.store import Store

COLUMNS = ("kind", "key", "title", "description", "owner", "department", "status", "goal",
           "systems", "aliases", "start", "end")  # fmt: skip
LISTS = ("systems", "aliases")
MAX_FIELD = 4000
MAX_KEY = 40


@dataclass(frozen=True)
class PlanRow:
    line: int
    item: NewPlanItem


def read_plan(path: Path) -> list[PlanRow | RowError]:
    """Check the file as a whole at once, then read every row."""
    suffix = path.suffix.lower()
    content = _decode(path)
    if suffix in (".csv", ".tsv", ".txt"):
        records = _csv_records(content, path)
    elif suffix in (".jsonl", ".ndjson"):
        records = _jsonl_records(content)
    else:
        raise ImportFileError(f"{path}: unknown file type; use .csv or .jsonl")
    return [
        PlanRow(line, record) if isinstance(record, NewPlanItem) else RowError(line, record)
        for line, record in _items(records)
    ]


def _csv_records(content: str, path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The delimiter is sniffed from the header: whichever of ``;`` ``,`` and tab it has most
    of (German spreadsheets write ``;``)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(content) + 1))
    header = next(iter(content.splitlines()), "")
    delimiter = max(";,\t", key=header.count)
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    names = [f.strip().casefold() for f in reader.fieldnames or []]
    missing = [c for c in ("kind", "key", "title") if c not in names]
    if missing:
        raise ImportFileError(
            f"{path}: the first line must name the columns, at least kind, key and title"
            f" (missing: {', '.join(missing)})"
        )
    reader.fieldnames = names
    return _csv_rows(reader)


def _items(
    records: Iterable[tuple[int, dict[str, Any] | str]],
) -> Iterator[tuple[int, NewPlanItem | str]]:
    for line, record in records:
        yield line, record if isinstance(record, str) else to_item(record)


def split_list(value: str) -> tuple[str, ...]:
    """``"S-3; S-2;S-1"`` -> ``("S-3", "S-2", "S-1")``, without blanks and repeats."""
    seen: list[str] = []
    for part in value.split(";"):
        part = " ".join(part.split())
        if part and part.casefold() not in (s.casefold() for s in seen):
            seen.append(part)
    return tuple(seen)


def to_item(record: dict[str, Any]) -> NewPlanItem | str:
    """A plan item from one row, or why the row is broken (one line, what to fix)."""
    values: dict[str, str] = {}
    for name in COLUMNS:
        value = record.get(name)
        if isinstance(value, list) and name in LISTS:
            value = ";".join(str(v) for v in value)
        if value is not None and not isinstance(value, str):
            return f"'{name}' must be text"
        value = " ".join(clean_text(value or "").split())
        if len(value) > MAX_FIELD:
            return f"'{name}' has {len(value)} characters, more than the {MAX_FIELD} allowed"
        values[name] = value
    kind = values["kind"].casefold()
    if kind not in KINDS:
        shown = values["kind"] or "empty"
        return f"'kind' is {shown!r}; use agenda, project or system"
    key = values["key"]
    if not key:
        return "'key' is missing"
    if len(key) > MAX_KEY or any(c.isspace() for c in key):
        return f"'key' {key!r} must be one word of at most {MAX_KEY} characters"
    if not values["title"]:
        return "'title' is missing"
    status = values["status"]
    if kind == "project" and status and status.casefold() not in PROJECT_STATUSES:
        # the statuses `!projektstatus` sets, so chat and plan speak of the same few
        return f"'status' {status!r} is no project status; use {', '.join(PROJECT_STATUSES)}"
    for name in ("start", "end"):
        if values[name]:
            try:
                date.fromisoformat(values[name])
            except ValueError:
                return f"'{name}' is not a date like 2026-03-01: {values[name]!r}"
    return NewPlanItem(
        kind=kind,
        key=key,
        title=values["title"],
        description=values["description"],
        owner=values["owner"] or None,
        department=values["department"] or None,
        status=(status.casefold() if kind == "project" else status) or None,
        goal=values["goal"] or None,
        systems=split_list(values["systems"]),
        aliases=split_list(values["aliases"]),
        start_date=values["start"] or None,
        end_date=values["end"] or None,
    )


def check_references(
    rows: list[PlanRow | RowError], known: dict[str, str]
) -> list[PlanRow | RowError]:
    """Rows whose goal or systems name no agenda goal or system (of the file, or ``known``:
    key -> kind of what is stored) become errors; a key twice in the file too."""
    kinds = dict(known)
    first: dict[str, int] = {}
    for row in rows:
        if isinstance(row, PlanRow):
            kinds[row.item.key] = row.item.kind
            first.setdefault(row.item.key, row.line)
    checked: list[PlanRow | RowError] = []
    for row in rows:
        if isinstance(row, RowError):
            checked.append(row)
            continue
        item = row.item
        problem = None
        if first[item.key] != row.line:
            problem = f"key {item.key!r} was already used in line {first[item.key]}"
        elif item.goal and kinds.get(item.goal) != "agenda":
            problem = f"'goal' {item.goal!r} is no agenda goal of the plan"
        else:
            unknown = [s for s in item.systems if kinds.get(s) != "system"]
            if unknown:
                problem = f"'systems' names no system of the plan: {', '.join(unknown)}"
        checked.append(RowError(row.line, problem) if problem else row)
    return checked


NAMED_OWNER = (
    "'owner' {owner!r} looks like a name, not a chat user id: questions cannot reach"
    " that owner (write the user id, e.g. petra or @petra:stadt.de)"
)


@dataclass
class PlanImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    status_changes: list[str] = field(default_factory=list)  # "P-11: laufend -> pausiert"

    @property
    def summary(self) -> str:
        return (
            f"{len(self.added)} plan items added, {len(self.updated)} updated,"
            f" {len(self.unchanged)} unchanged, {len(self.errors)} rows with errors"
        )


def import_plan(store: Store, rows: list[PlanRow | RowError], now: str) -> PlanImportReport:
    """Store the good rows by key in one transaction; references are checked against the
    file and what is stored, so a plan may come in parts."""
    report = PlanImportReport()
    with store.transaction():
        stored = {item.key: item for item in store.plan_items()}
        for row in check_references(rows, {key: item.kind for key, item in stored.items()}):
            if isinstance(row, RowError):
                report.errors.append(row)
                continue
            old = stored.get(row.item.key)
            if old is not None and old.kind == "project" and old.status != row.item.status:
                # the file's word wins, also over a status set in chat: said, not silent,
                # and audited as chat's are, so the digest has it
                was, now_is = old.status or "", row.item.status or ""
                report.status_changes.append(f"{old.key}: {was or '-'} -> {now_is or '-'}")
                detail = f"{old.key}: {was}->{now_is}"
                store.audit("plan.status", now, subject_type="plan", detail=detail)
            outcome = store.upsert_plan_item(row.item, now)
            getattr(report, outcome).append(row.item.key)
            if (owner := row.item.owner) and " " in owner and not store.people_with_user_id(owner):
                report.warnings.append(RowError(row.line, NAMED_OWNER.format(owner=owner)))
        store.audit(
            "plan.imported",
            now,
            detail=f"added={len(report.added)} updated={len(report.updated)}"
            f" errors={len(report.errors)}",
        )
    return report
