"""Everything SQLite and PostgreSQL do differently, in one object per backend.

The store's queries are written once, in the SQL both backends understand (``ON CONFLICT``,
``RETURNING``, ``?`` parameters), and the schema once, in ``knowledge/migrations`` in SQLite's
words. What is left over lives here and nowhere else:

- parameters: PostgreSQL's driver wants ``%s`` where the queries say ``?`` (``query``);
- types in the schema: ``INTEGER PRIMARY KEY`` is an identity column, ``BLOB`` is ``BYTEA``,
  ``REAL`` is ``DOUBLE PRECISION`` (``ddl``; statements one backend has no use for at all are
  marked in the migration itself, see ``knowledge.db``);
- full-text search: FTS5 ``MATCH`` ranked by bm25, or ``LIKE`` over the folded text
  (``text_match``);
- locking: SQLite takes the file's write lock up front, PostgreSQL relies on row locks and a
  transaction-scoped advisory lock while migrating (``transaction``, ``migrating``);
- making deletions physical: ``secure_delete``, FTS5 ``optimize``, ``VACUUM`` and a WAL
  checkpoint, or ``VACUUM FULL`` (``zero_freed_space``, ``compact``, ``checkpoint``).

The query modules ask ``self.dialect`` instead of checking which backend they run on.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import sqlite_utils

from knowledge import folding

# Names an advisory lock of PostgreSQL: migrations (and, plus a dimension, vector indexes).
MIGRATION_LOCK = 0x1DEE1075


class StoreBusy(RuntimeError):
    """Another process holds the write lock for longer than we wait: nothing was written, and
    the same work may simply be tried again later."""


@dataclass(frozen=True)
class TextMatch:
    """A full-text condition for a query: ``WHERE {where}``, ``ORDER BY {order}``, and the
    parameters of both, in that order."""

    where: str
    order: str
    params: tuple[Any, ...]


class Dialect(Protocol):
    """What the store asks of its backend beyond the SQL both backends share."""

    name: str  # as used in the migrations' "-- only <name>:" markers

    def query(self, statement: str, *, named: bool = False) -> str:
        """A shared statement, with ``?`` (or ``:name``) parameters, as this backend's driver
        takes it."""
        ...

    def ddl(self, statement: str) -> str:
        """A statement of a migration (written with SQLite's types) in this backend's types."""
        ...

    def text_match(
        self, table: str, columns: Sequence[str], terms: Sequence[str], *, any_term: bool
    ) -> TextMatch:
        """Rows of the text table ``table`` that contain all (or any) of the folded ``terms``,
        best first."""
        ...

    def transaction(self, db: sqlite_utils.Database) -> AbstractContextManager[None]:
        """One unit of work: commit at the end, roll back on any error; nested ones are
        savepoints."""
        ...

    def migrating(self, db: sqlite_utils.Database) -> AbstractContextManager[None]:
        """Held while the migrations run, so processes starting together migrate once."""
        ...

    def zero_freed_space(self, db: sqlite_utils.Database) -> None:
        """Before deleting personal data: deleted bytes are overwritten, where that exists."""
        ...

    def compact(self, db: sqlite_utils.Database) -> None:
        """Rewrite storage so deleted rows leave no bytes behind (outside a transaction)."""
        ...

    def checkpoint(self, db: sqlite_utils.Database) -> None:
        """After ``compact`` and its audit entry: older page versions leave the write-ahead
        log, where the backend keeps one of its own."""
        ...


class SQLite:
    """The file database: the shared SQL is already SQLite's."""

    name = "sqlite"

    def query(self, statement: str, *, named: bool = False) -> str:
        return statement

    def ddl(self, statement: str) -> str:
        return statement

    def text_match(
        self, table: str, columns: Sequence[str], terms: Sequence[str], *, any_term: bool
    ) -> TextMatch:
        """FTS5 (trigram tokenizer, so word parts match), ranked by bm25."""
        expression = folding.fts_query(list(terms), any_term=any_term)
        return TextMatch(f"{table} MATCH ?", f"bm25({table})", (expression,))

    @contextmanager
    def transaction(self, db: sqlite_utils.Database) -> Iterator[None]:
        """BEGIN IMMEDIATE: the write lock is taken (waiting up to the busy timeout) before the
        first read. A deferred transaction that reads and then writes fails at once with
        "database is locked" when another process (an import, a second console) wrote in
        between, and waiting cannot help it; taking the lock first can."""
        if db.conn.in_transaction:  # nested: a savepoint of the outer unit of work
            with db.atomic():
                yield
            return
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(str(exc)) from exc
        try:
            yield
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()

    @contextmanager
    def migrating(self, db: sqlite_utils.Database) -> Iterator[None]:
        yield  # each migration is one transaction of its own; nothing is held around them

    def zero_freed_space(self, db: sqlite_utils.Database) -> None:
        """Overwrite deleted content with zeros instead of leaving it in free pages."""
        db.execute("PRAGMA secure_delete = ON")

    def compact(self, db: sqlite_utils.Database) -> None:
        """FTS5 keeps deleted terms in old index segments until they are merged ("optimize");
        VACUUM rewrites every page, so no deleted bytes remain in free space."""
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND sql LIKE 'CREATE VIRTUAL TABLE % USING fts5%'"
        ).fetchall()
        with db.atomic():
            for (table,) in rows:
                db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        db.execute("VACUUM")

    def checkpoint(self, db: sqlite_utils.Database) -> None:
        """The WAL still holds earlier versions of changed pages: checkpoint and truncate it."""
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Postgres:
    """PostgreSQL with pgvector, through psycopg (``knowledge.pg_database``)."""

    name = "postgres"

    def query(self, statement: str, *, named: bool = False) -> str:
        return _postgres_parameters(statement, named)

    def ddl(self, statement: str) -> str:
        if re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE\b", statement, re.IGNORECASE):
            raise ValueError(f"PostgreSQL has no virtual tables: '-- only sqlite:'\n{statement}")
        return _outside_literals(statement, _postgres_types, drop_comments=True).strip()

    def text_match(
        self, table: str, columns: Sequence[str], terms: Sequence[str], *, any_term: bool
    ) -> TextMatch:
        """LIKE over the folded text (the bundled server has no pg_trgm), most terms first."""
        hit = " OR ".join(f"{table}.{column} LIKE ? ESCAPE '\\'" for column in columns)
        patterns = ["%" + _like_escape(term) + "%" for term in terms]
        values = tuple(pattern for pattern in patterns for _ in columns)
        where = (" OR " if any_term else " AND ").join(f"({hit})" for _ in patterns)
        matched = " + ".join(f"(CASE WHEN {hit} THEN 1 ELSE 0 END)" for _ in patterns)
        return TextMatch(where, f"({matched}) DESC", values + values)

    @contextmanager
    def transaction(self, db: sqlite_utils.Database) -> Iterator[None]:
        """Row locks and MVCC make PostgreSQL's plain transaction enough: several bot
        processes share the database, and constraints, not Python locks, decide races."""
        with db.atomic():
            yield

    @contextmanager
    def migrating(self, db: sqlite_utils.Database) -> Iterator[None]:
        """One transaction with an advisory lock: a second process waits, then finds the
        migrations recorded."""
        with db.atomic():
            db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            yield

    def zero_freed_space(self, db: sqlite_utils.Database) -> None:
        """Nothing to switch on: PostgreSQL has no secure_delete; ``compact`` rewrites tables."""

    def compact(self, db: sqlite_utils.Database) -> None:
        """VACUUM FULL rewrites the tables, so deleted rows leave no bytes in their files.

        Takes an exclusive lock per table while it runs; the other bot processes wait.
        """
        db.execute("VACUUM FULL")

    def checkpoint(self, db: sqlite_utils.Database) -> None:
        """Nothing to do: WAL segments with older row versions are recycled by the server's
        own checkpoints."""


SQLITE: Dialect = SQLite()
POSTGRES: Dialect = Postgres()

# -- rewriting outside string literals -------------------------------------------------------

_LITERAL_OR_COMMENT = re.compile(r"('(?:[^']|'')*'|--[^\n]*)")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# SQLite's type names -> PostgreSQL's. INTEGER holds 64 bits in SQLite. INTEGER PRIMARY KEY is
# SQLite's rowid, which numbers new rows unless the insert gives a number (ideas and questions
# take theirs from issued_numbers): an identity column BY DEFAULT does the same.
_TYPES = [
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\bINTEGER\s+PRIMARY\s+KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        (r"\bINTEGER\b", "BIGINT"),
        (r"\bREAL\b", "DOUBLE PRECISION"),
        (r"\bBLOB\b", "BYTEA"),
    )
]


def _outside_literals(
    statement: str, rewrite: Callable[[str], str], *, drop_comments: bool = False
) -> str:
    """``rewrite`` applied to the SQL between string literals (and comments)."""
    out = []
    for index, part in enumerate(_LITERAL_OR_COMMENT.split(statement)):
        if index % 2 == 0:
            out.append(rewrite(part))
        elif not (drop_comments and part.startswith("--")):
            out.append(part)
    return "".join(out)


def _postgres_types(sql: str) -> str:
    for pattern, replacement in _TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


@lru_cache(maxsize=1024)
def _postgres_parameters(statement: str, named: bool) -> str:
    """``?`` -> ``%s`` (``:name`` -> ``%(name)s``); a literal ``%`` is doubled for psycopg."""

    def rewrite(sql: str) -> str:
        return _NAMED.sub(r"%(\1)s", sql) if named else sql.replace("?", "%s")

    escaped = statement.strip().rstrip(";").replace("%", "%%")  # in literals too: psycopg reads all
    return _outside_literals(escaped, rewrite)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
