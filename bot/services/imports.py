"""Ideas from a spreadsheet (``ideenlotse import``): many rows, committed in batches.

Not one unit of work but one transaction per batch, so an import of tens of thousands of rows
never holds the store's lock for long and chat goes on meanwhile; a row imported before (its
key is known) is skipped, so an interrupted import can simply be run again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.importer import ImportRow, RowError
from knowledge.records import Idea, NewIdea
from knowledge.store import Store

if TYPE_CHECKING:  # `ideenlotse export` imports this package and needs no matching
    from bot.semantic import SemanticMatcher


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already imported before
    erased: int = 0  # rows of ideas whose author was erased since: never imported again
    errors: list[RowError] = field(default_factory=list)


IMPORT_PLATFORM = "import"


def import_rows(
    store: Store,
    rows: Iterable[ImportRow | RowError],
    now: str,
    *,
    batch_size: int = 500,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Store the good rows in batches (one transaction each) and collect the broken ones."""
    report = ImportReport()
    batch: list[ImportRow] = []
    # author and department -> person id: an import names a few hundred people in 100,000
    # rows, and upserting each row's author again took 40 % of the time spent storing
    authors: dict[tuple[str, str | None], int] = {}

    def flush() -> None:
        with store.transaction():
            for row in batch:
                if store.has_import_key(row.key):
                    report.skipped += 1
                    continue
                if store.import_erased(row.key):
                    report.erased += 1
                    continue
                author = None
                if row.author:
                    known = (row.author, row.department)
                    if known not in authors:
                        authors[known] = store.upsert_person(
                            IMPORT_PLATFORM, row.author, row.author, now, department=row.department
                        ).id
                    author = authors[known]
                store.add_idea(
                    NewIdea(
                        text=row.text,
                        title=row.title,
                        author_id=author,
                        department=row.department,
                        status=row.status,
                        source_platform=IMPORT_PLATFORM,
                        import_key=row.key,
                        created_at=row.created,
                    ),
                    now,
                )
                report.added += 1
            store.audit("ideas.imported", now, detail=f"{len(batch)} rows")
        batch.clear()

    for row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        if on_row is not None:
            on_row()
    if batch:
        flush()
    return report


ENCODE_STEPS = 100  # at most this many steps of the bar: a large import is not slowed by them


def encode_imported(
    store: Store,
    matcher: SemanticMatcher,
    ideas: list[Idea],
    *,
    on_encoded: Callable[[int], None] | None = None,
) -> int:
    """Encode and index ``ideas`` step by step, telling ``on_encoded`` how many each step did.

    ``encode_ideas`` alone encodes up to a thousand ideas in one go, so a bar over 310 ideas
    stood at 0 % for ten seconds and then jumped to the end. A step is never smaller than
    what the batch encoder takes (``BATCH_FROM``), and shortest texts come first, as there.
    """
    from bot.profiles import idea_text
    from matching.sized_encoder import BATCH_FROM

    ordered = sorted(ideas, key=lambda idea: len(idea_text(idea)))
    step = max(BATCH_FROM, math.ceil(len(ordered) / ENCODE_STEPS))
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        matcher.encode_ideas(store, chunk)
        if on_encoded is not None:
            on_encoded(len(chunk))
    return len(ordered)
