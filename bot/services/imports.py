"""Ideas from a spreadsheet (``ideenlotse import``): many rows, committed in batches.

Not one unit of work but one transaction per batch, so an import of tens of thousands of rows
never holds the store's lock for long and chat goes on meanwhile; a row imported before (its
key is known) is skipped, so an interrupted import can simply be run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.importer import ImportRow, RowError
from knowledge.records import NewIdea
from knowledge.store import Store


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already imported before
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
