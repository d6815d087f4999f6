"""Reading plan files (CSV with "," or ";", or JSONL) into plan items, broken rows by line.

The plan is the administration's: the Digital Agenda's goals, the IT project plan and the
systems, one row each, known by ``key``. Like the idea import, a broken row never stops the
others; each of its problems is reported by its line, so the file can be fixed and imported
again (rows are matched by key, so that adds nothing twice). References (a project's goal and
systems) must name an item of the same file or one imported before.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.importer import ImportFileError, RowError, _csv_rows, _decode, _jsonl_records
from bot.text_input import clean_text
from knowledge.plans import KINDS, PROJECT_STATUSES, NewPlanItem, PlanItem
from knowledge.store import Store

COLUMNS = ("kind", "key", "title", "description", "owner", "owner_name", "department", "status",
           "goal", "systems", "aliases", "start", "end")  # fmt: skip
LISTS = ("systems", "aliases")
MAX_FIELD = 4000
MAX_KEY = 40
MAX_NAME = 120  # a person's name, shown in chat lines
# The words a German plan uses for kinds and project statuses besides the bot's own (another
# town's CDO had her plan's "in Planung" and "projekt" refused in a blind trial); any case.
KIND_WORDS = {"ziel": "agenda", "handlungsfeld": "agenda", "projekt": "project",
              "vorhaben": "project", "fachverfahren": "system"}  # fmt: skip
STATUS_WORDS = {"in Planung": "geplant", "in Umsetzung": "laufend", "in Arbeit": "laufend",
                "beendet": "abgeschlossen", "fertig": "abgeschlossen", "gestoppt": "abgebrochen",
                "ruht": "pausiert"}  # fmt: skip
_STATUS_BY_WORD = {word.casefold(): status for word, status in STATUS_WORDS.items()}
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True)
class PlanRow:
    line: int
    item: NewPlanItem


@dataclass(frozen=True)
class RowProblem(RowError):
    """One problem of a broken row, with the row read as far as it goes: its references are
    checked as well, so a row's problems all come in one run, not one per fix."""

    draft: NewPlanItem | None = None


def read_plan(path: Path) -> list[PlanRow | RowError]:
    """Check the file as a whole at once, then read every row; a broken row gives one error
    per problem, all with its line."""
    suffix = path.suffix.lower()
    content = _decode(path)
    if suffix in (".csv", ".tsv", ".txt"):
        records = _csv_records(content, path)
    elif suffix in (".jsonl", ".ndjson"):
        records = _jsonl_records(content)
    else:
        raise ImportFileError(f"{path}: unknown file type; use .csv or .jsonl")
    rows: list[PlanRow | RowError] = []
    for line, record in records:
        if isinstance(record, str):
            rows.append(RowError(line, record))
            continue
        item, problems = read_item(record)
        rows += [RowProblem(line, p, item) for p in problems] or [PlanRow(line, item)]
    return rows


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


def split_list(value: str) -> tuple[str, ...]:
    """``"S-3; S-2;S-1"`` -> ``("S-3", "S-2", "S-1")``, without blanks and repeats."""
    seen: list[str] = []
    for part in value.split(";"):
        part = " ".join(part.split())
        if part and part.casefold() not in (s.casefold() for s in seen):
            seen.append(part)
    return tuple(seen)


def to_date(value: str) -> str | None:
    """ISO, or the German ``01.03.2026`` that Excel writes in a German locale, as ISO; None
    when it is no date."""
    german = _GERMAN_DATE.fullmatch(value)
    try:
        if german:
            day, month, year = (int(part) for part in german.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def read_item(record: dict[str, Any]) -> tuple[NewPlanItem, list[str]]:
    """A plan item from one row, and every problem of the row (what to fix): a row with three
    mistakes takes one round of fixing, not three. With problems, the item is a draft."""
    problems: list[str] = []
    values: dict[str, str] = {}
    for name in COLUMNS:
        value = record.get(name)
        if isinstance(value, list) and name in LISTS:
            value = ";".join(str(v) for v in value)
        if value is not None and not isinstance(value, str):
            problems.append(f"'{name}' must be text")
            value = None
        value = " ".join(clean_text(value or "").split())
        limit = MAX_NAME if name == "owner_name" else MAX_FIELD
        if len(value) > limit:
            problems.append(f"'{name}' has {len(value)} characters, more than the {limit} allowed")
        values[name] = value
    kind = KIND_WORDS.get(values["kind"].casefold(), values["kind"].casefold())
    if kind not in KINDS:
        shown = values["kind"] or "empty"
        problems.append(
            f"'kind' is {shown!r}; use agenda, project or system (or {', '.join(KIND_WORDS)})"
        )
    key = values["key"]
    if not key:
        problems.append("'key' is missing")
    elif len(key) > MAX_KEY or any(c.isspace() for c in key):
        problems.append(f"'key' {key!r} must be one word of at most {MAX_KEY} characters")
    if not values["title"]:
        problems.append("'title' is missing")
    status = values["status"]
    if kind == "project" and status:
        # the statuses `!projektstatus` sets, so chat and plan speak of the same few
        status = _STATUS_BY_WORD.get(status.casefold(), status.casefold())
        if status not in PROJECT_STATUSES:
            problems.append(
                f"'status' {values['status']!r} is no project status; use"
                f" {', '.join(PROJECT_STATUSES)} (or {', '.join(STATUS_WORDS)})"
            )
    dates = {name: to_date(values[name]) if values[name] else None for name in ("start", "end")}
    problems += [
        f"'{name}' is not a date like 2026-03-01 or 01.03.2026: {values[name]!r}"
        for name, day in dates.items()
        if values[name] and day is None
    ]
    item = NewPlanItem(
        kind=kind,
        key=key,
        title=values["title"],
        description=values["description"],
        owner=values["owner"] or None,
        owner_name=values["owner_name"] or None,
        department=values["department"] or None,
        status=status or None,
        goal=values["goal"] or None,
        systems=split_list(values["systems"]),
        aliases=split_list(values["aliases"]),
        start_date=dates["start"],
        end_date=dates["end"],
    )
    return item, problems


def check_references(
    rows: list[PlanRow | RowError], known: dict[str, str]
) -> list[PlanRow | RowError]:
    """Rows whose goal or systems name no agenda goal or system (of the file, or ``known``:
    key -> kind of what is stored) become errors; a key twice in the file too. A broken
    row's references are checked as well, and its problems added to its others."""
    kinds = dict(known)
    first: dict[str, int] = {}
    for row in rows:
        if isinstance(row, PlanRow):
            kinds[row.item.key] = row.item.kind
            first.setdefault(row.item.key, row.line)
    checked: list[PlanRow | RowError] = []
    drafts: dict[int, NewPlanItem] = {}  # a broken row's item, as far as it could be read
    for row in rows:
        if isinstance(row, PlanRow):
            problems = reference_problems(row.item, row.line, kinds, first)
            checked += [RowError(row.line, p) for p in problems] or [row]
            continue
        checked.append(row)
        if isinstance(row, RowProblem) and row.draft is not None:
            drafts[row.line] = row.draft
    for line, draft in drafts.items():
        checked += [RowError(line, p) for p in reference_problems(draft, line, kinds, first)]
    return sorted(checked, key=lambda row: row.line)  # stable: a row's problems in order


def reference_problems(
    item: NewPlanItem, line: int, kinds: dict[str, str], first: dict[str, int]
) -> list[str]:
    """What the row's key, goal and systems get wrong, given the kind of every key known."""
    problems = []
    if first.get(item.key, line) < line:
        problems.append(f"key {item.key!r} was already used in line {first[item.key]}")
    if item.goal and kinds.get(item.goal) != "agenda":
        problems.append(f"'goal' {item.goal!r} is no agenda goal of the plan")
    unknown = [s for s in item.systems if kinds.get(s) != "system"]
    if unknown:
        problem = f"'systems' names no system of the plan: {', '.join(unknown)}"
        # "S-1, S-2" is one name to the split on ";": say so where the parts are systems
        parts = [" ".join(p.split()) for s in unknown for p in s.split(",")]
        if any("," in s for s in unknown) and any(kinds.get(p) == "system" for p in parts):
            problem += f" (use ';' between entries, not ',': {'; '.join(p for p in parts if p)})"
        problems.append(problem)
    return problems


NAMED_OWNER = (
    "'owner' {owner!r} looks like a name, not a chat user id: questions cannot reach"
    " that owner (write the user id, e.g. petra or @petra:stadt.de, and the name in"
    " 'owner_name')"
)
NAME_WITHOUT_OWNER = (
    "'owner_name' {name!r} is shown only beside an 'owner' (the chat user id), and the row has none"
)
COMMA_ALIAS = (
    "'aliases' {alias!r} is one name with a comma; if these are several names, use ';'"
    " between entries"
)


@dataclass
class PlanImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # one per problem; rows by line
    warnings: list[RowError] = field(default_factory=list)
    status_changes: list[str] = field(default_factory=list)  # "P-11: laufend -> pausiert"
    status_kept: list[str] = field(default_factory=list)  # "P-3: pausiert (the file says …)"

    @property
    def summary(self) -> str:
        return (
            f"{len(self.added)} plan items added, {len(self.updated)} updated,"
            f" {len(self.unchanged)} unchanged, {len({e.line for e in self.errors})} rows with"
            " errors"
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
                _note_status(store, report, old, row.item.status, now)
            outcome = store.upsert_plan_item(row.item, now)
            getattr(report, outcome).append(row.item.key)
            report.warnings += [RowError(row.line, w) for w in _warnings(store, row.item)]
        store.audit(
            "plan.imported",
            now,
            detail=f"added={len(report.added)} updated={len(report.updated)}"
            f" errors={len(report.errors)}",
        )
    return report


def _note_status(
    store: Store, report: PlanImportReport, old: PlanItem, status: str | None, now: str
) -> None:
    """Chat and file share a project's status (the store keeps which the file gave last):
    a file that still says what it said leaves a status set in chat alone; one that says
    something new has the last word, said, not silent (a CDO's trial: re-importing the
    unchanged file undid the chat's status without a word), and audited as chat's are, so
    the digest has it."""
    was, now_is = old.status or "-", status or "-"
    if old.file_status == status:
        report.status_kept.append(f"{old.key}: {was} (the file says {now_is})")
        return
    in_chat = f" ({was} was set in chat)" if old.status != old.file_status else ""
    report.status_changes.append(f"{old.key}: {was} -> {now_is}{in_chat}")
    detail = f"{old.key}: {old.status or ''}->{status or ''}"
    store.audit("plan.status", now, subject_type="plan", detail=detail)


def _warnings(store: Store, item: NewPlanItem) -> list[str]:
    """What is imported but will not work as the plan means it."""
    found = []
    if (owner := item.owner) and " " in owner and not store.people_with_user_id(owner):
        found.append(NAMED_OWNER.format(owner=owner))
    if item.owner_name and not item.owner:
        found.append(NAME_WITHOUT_OWNER.format(name=item.owner_name))
    found += [COMMA_ALIAS.format(alias=alias) for alias in item.aliases if "," in alias]
    return found
