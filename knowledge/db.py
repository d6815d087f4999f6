"""Opening the SQLite database and bringing its schema up to date.

Migrations are plain numbered SQL files in ``knowledge/migrations``; each runs once, inside a
transaction, and is recorded in ``schema_migrations``. A database file is therefore always
either at an older version or fully at a newer one, never in between.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import sqlite_utils

DB_FILENAME = "ideenlotse.db"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(dialect: str | None = None) -> list[Migration]:
    """The migration files shipped with the package, in version order.

    SQLite's are in ``knowledge/migrations``; another ``dialect``'s in a folder below it.
    """
    folder = resources.files("knowledge") / "migrations"
    if dialect is not None:
        folder = folder / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append(Migration(version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (and create) the database in WAL mode with foreign keys enforced."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The bot hands work to threads (asyncio.to_thread); the store serialises access itself.
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    if not db["schema_migrations"].exists():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    current = schema_version(db)
    applied = []
    for migration in available_migrations():
        if migration.version <= current:
            continue
        with db.atomic():
            for statement in _statements(migration.sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        applied.append(migration.version)
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration into statements; sqlite3.complete_statement respects quoting."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def issue_number(db: sqlite_utils.Database, kind: str) -> int:
    """The next idea or question number: one more than any number ever issued for ``kind``, so a
    number freed by an erasure is never given to someone else (see migration 0006)."""
    row = db.execute(
        "UPDATE issued_numbers SET last = last + 1 WHERE kind = ? RETURNING last", (kind,)
    ).fetchone()
    return int(row[0])
