"""Opening the SQLite database, and bringing either backend's schema up to date.

The schema is written once: plain numbered SQL files in ``knowledge/migrations``, in SQLite's
words. PostgreSQL runs the same files with its own types (``Dialect.ddl``); a statement only
one backend needs is marked by a comment line right above it, ``-- only sqlite:`` or
``-- only postgres:`` (FTS5's virtual table, pgvector's table and SQLite's implicit rowid).
tests/postgres/test_schema.py compares the tables and columns both backends end up with.

Each migration runs once, inside a transaction, and is recorded by version and file name in
``schema_migrations``, on both backends alike. A database is therefore always either at an
older version or fully at a newer one, never in between; one migrated before the migrations
were shared (SQLite files, and PostgreSQL databases made from a second copy of them) carries
the same versions and is simply continued.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import sqlite_utils

from knowledge.dialect import POSTGRES, SQLITE, Dialect

DB_FILENAME = "ideenlotse.db"
# Run as it is on both backends (not through Dialect.ddl): the bookkeeping table existed
# before the migrations were shared, in this form, and must stay recognisable.
_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
_ONLY = re.compile(r"--\s*only\s+(\w+)\s*:")


@dataclass(frozen=True)
class Statement:
    sql: str
    only: str | None = None  # a dialect's name: the statement runs on that backend alone


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self, dialect: Dialect) -> list[str]:
        """The statements of this migration as ``dialect`` runs them."""
        return [
            dialect.ddl(statement.sql)
            for statement in split_statements(self.sql)
            if statement.only in (None, dialect.name)
        ]


def available_migrations() -> list[Migration]:
    """The migration files shipped with the package, in version order."""
    found = []
    for entry in (resources.files("knowledge") / "migrations").iterdir():
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
    # No sqlite-utils plugins: any installed package could register one and run code on
    # every connection to the city's data; scanning for them also cost 19 ms per start.
    db = sqlite_utils.Database(conn, execute_plugins=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    """The newest migration applied to a SQLite database (0: none, or a new file)."""
    if not db["schema_migrations"].exists():
        return 0
    return _recorded_version(db)


def migrate(db: sqlite_utils.Database, dialect: Dialect = SQLITE) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    applied = []
    with dialect.migrating(db):
        db.execute(_SCHEMA_MIGRATIONS)
        current = _recorded_version(db)
        for migration in available_migrations():
            if migration.version <= current:
                continue
            with db.atomic():
                for statement in migration.statements(dialect):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )
            applied.append(migration.version)
    return applied


def _recorded_version(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0) if row else 0


def split_statements(script: str) -> list[Statement]:
    """A migration's statements, each with the dialect its ``-- only <name>:`` line names.

    The comment lines above a statement are left out (and read for that marker); comments
    inside a statement stay. sqlite3.complete_statement respects quoting.
    """
    statements, buffer, only = [], "", None
    for line in script.splitlines(keepends=True):
        if not buffer.strip() and line.strip().startswith("--"):
            marker = _ONLY.match(line.strip())
            only = marker.group(1).lower() if marker else only
            if only not in (None, SQLITE.name, POSTGRES.name):
                raise ValueError(f"unknown dialect in {line.strip()!r}")
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(Statement(buffer.strip(), only))
            buffer, only = "", None
    if buffer.strip():
        statements.append(Statement(buffer.strip(), only))
    return statements


def issue_number(db: sqlite_utils.Database, kind: str) -> int:
    """The next idea or question number: one more than any number ever issued for ``kind``, so a
    number freed by an erasure is never given to someone else (see migration 0006)."""
    row = db.execute(
        "UPDATE issued_numbers SET last = last + 1 WHERE kind = ? RETURNING last", (kind,)
    ).fetchone()
    return int(row[0])
