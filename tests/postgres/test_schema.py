"""Both backends end up with the same schema: tables, columns, indexes and foreign keys.

The migrations are written once (knowledge/migrations) and PostgreSQL runs them through its
dialect, but a statement can still be marked for one backend alone, or be rendered into
something else than meant. This compares what a fresh SQLite file and a fresh PostgreSQL
database actually hold, after mapping the types, so a table or column that exists on one
backend only fails here, not in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlite_utils

from knowledge.db import available_migrations, connect, migrate

Columns = dict[str, dict[str, tuple[str, bool]]]  # table -> column -> (kind, required)

# What only PostgreSQL has, on purpose: pgvector's copy of the idea vectors (SQLite compares
# the blobs in memory), and `rowid` spelled out where queries use it (SQLite has it implicitly).
POSTGRES_ONLY_TABLES = {"idea_vectors"}
IMPLICIT_IN_SQLITE = "rowid"

SQLITE_KINDS = {"INTEGER": "integer", "TEXT": "text", "REAL": "real", "BLOB": "bytes", "": "text"}
POSTGRES_KINDS = {"bigint": "integer", "integer": "integer", "text": "text",
                  "double precision": "real", "bytea": "bytes"}  # fmt: skip
ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    db = connect(tmp_path / "schema.db")
    migrate(db)
    yield db
    db.close()


@pytest.fixture
def pg(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A fresh database, migrated as the bot migrates one (the tests' template, see plugin)."""
    with psycopg.connect(postgres_url) as conn:
        yield conn


def sqlite_columns(db: sqlite_utils.Database) -> tuple[Columns, set[str]]:
    """Columns of the tables (FTS5's shadow tables left out), and which tables are virtual."""
    tables = db.execute(
        "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
        " AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    columns: Columns = {}
    for table, _ in tables:
        info = db.execute(f"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')")
        columns[table] = {
            name: (SQLITE_KINDS[kind.upper()], bool(notnull or pk))
            for name, kind, notnull, pk in info
        }
    return columns, {table for table, kind in tables if kind == "virtual"}


def postgres_columns(conn: psycopg.Connection[Any]) -> Columns:
    rows = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable = 'NO'"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    columns: Columns = {}
    for table, name, kind, required in rows:
        columns.setdefault(table, {})[name] = (POSTGRES_KINDS.get(kind, kind), required)
    return columns


def test_both_backends_have_the_same_tables_and_columns(
    sqlite_db: sqlite_utils.Database, pg: psycopg.Connection[Any]
) -> None:
    sqlite, virtual = sqlite_columns(sqlite_db)
    postgres = postgres_columns(pg)
    assert set(postgres) - set(sqlite) == POSTGRES_ONLY_TABLES
    for table in POSTGRES_ONLY_TABLES:
        del postgres[table]
    for table in postgres:
        postgres[table].pop(IMPLICIT_IN_SQLITE, None)
    for table in virtual:  # FTS5 columns take no constraints; compare their kinds alone
        sqlite[table] = {name: (kind, False) for name, (kind, _) in sqlite[table].items()}
        postgres[table] = {name: (kind, False) for name, (kind, _) in postgres[table].items()}
    assert differences(sqlite, postgres) == []


def differences(sqlite: Columns, postgres: Columns) -> list[tuple[str, str, Any, Any]]:
    """(table, column, on SQLite, on PostgreSQL) wherever the two differ; None: missing."""
    found = []
    for table in sorted(set(sqlite) | set(postgres)):
        ours, theirs = sqlite.get(table, {}), postgres.get(table, {})
        for column in sorted(set(ours) | set(theirs)):
            if ours.get(column) != theirs.get(column):
                found.append((table, column, ours.get(column), theirs.get(column)))
    return found


def sqlite_indexes(db: sqlite_utils.Database) -> set[tuple[str, str, tuple[str, ...]]]:
    """(index, table, columns) of the indexes the migrations create by name."""
    named = db.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    return {
        (
            name,
            table,
            tuple(row[0] for row in db.execute(f"SELECT name FROM pragma_index_info('{name}')")),
        )
        for name, table in named
    }


def postgres_indexes(conn: psycopg.Connection[Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    """The same; the indexes behind primary keys and unique constraints are left out."""
    rows = conn.execute(
        "SELECT i.relname, t.relname, array_agg(a.attname ORDER BY k.n)"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid"
        " JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) ON true"
        " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
        " WHERE t.relnamespace = current_schema()::regnamespace"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        " GROUP BY i.relname, t.relname"
    ).fetchall()
    return {(name, table, tuple(columns)) for name, table, columns in rows}


def test_both_backends_have_the_same_indexes(
    sqlite_db: sqlite_utils.Database, pg: psycopg.Connection[Any]
) -> None:
    assert postgres_indexes(pg) == sqlite_indexes(sqlite_db)


ForeignKey = tuple[str, str, str, str, str]  # table, column, parent, parent column, on delete


def sqlite_foreign_keys(db: sqlite_utils.Database) -> set[ForeignKey]:
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {
        (table, column, parent, parent_column, on_delete)
        for table in tables
        for _, _, parent, column, parent_column, _, on_delete, _ in db.execute(
            f"SELECT * FROM pragma_foreign_key_list('{table}')"
        )
    }


def postgres_foreign_keys(conn: psycopg.Connection[Any]) -> set[ForeignKey]:
    rows = conn.execute(
        "SELECT t.relname, a.attname, p.relname, pa.attname, c.confdeltype"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_class p ON p.oid = c.confrelid"
        " JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, ref) ON true"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col"
        " JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.ref"
        " WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace"
    ).fetchall()
    return {(t, c, p, pc, ON_DELETE[action]) for t, c, p, pc, action in rows}


def test_both_backends_have_the_same_foreign_keys(
    sqlite_db: sqlite_utils.Database, pg: psycopg.Connection[Any]
) -> None:
    """The erasure (knowledge/privacy.py) is checked against the foreign keys on SQLite;
    PostgreSQL must point the same columns at the same rows."""
    postgres = {
        key
        for key in postgres_foreign_keys(pg)
        if key[0] not in POSTGRES_ONLY_TABLES and key[1] != IMPLICIT_IN_SQLITE
    }
    assert postgres == sqlite_foreign_keys(sqlite_db)


def test_both_backends_record_the_same_migrations(
    sqlite_db: sqlite_utils.Database, pg: psycopg.Connection[Any]
) -> None:
    """Versions and names as in the files: how a database migrated earlier is recognised."""
    expected = [(m.version, m.name) for m in available_migrations()]
    query = "SELECT version, name FROM schema_migrations ORDER BY version"
    assert [tuple(row) for row in sqlite_db.execute(query)] == expected
    assert [tuple(row) for row in pg.execute(query)] == expected
