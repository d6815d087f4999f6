"""Migration 13 on a database that already holds a plan, on both backends.

The plan file's last status ('file_status') starts as the current status, so the first
import after the upgrade keeps what an item has as long as the file says the same; the
owner's name starts empty.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import sqlite_utils

import knowledge.db
from knowledge.db import available_migrations, connect, migrate
from knowledge.dialect import POSTGRES, SQLITE, Dialect
from knowledge.pg import PgStore
from knowledge.pg_database import PgDatabase
from knowledge.plans import NewPlanItem
from knowledge.store import Store
from tests.postgres.server import LocalPostgres

NOW = "2026-11-23T09:00:00+00:00"
BEFORE = 12  # the version before the plan file's status was kept


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[sqlite_utils.Database, Dialect]]:
    """An empty database of either backend, not migrated yet."""
    if request.param == "sqlite":
        db = connect(tmp_path / "old.db")
        yield db, SQLITE
        db.close()
        return
    server: LocalPostgres = request.getfixturevalue("postgres")
    name = f"old{os.getpid()}_{id(request)}"
    pg = PgDatabase(server.create_database(name))
    yield cast(sqlite_utils.Database, pg), POSTGRES
    pg.close()
    server.drop_database(name)


def test_the_file_status_starts_as_the_current_status(
    old_database: tuple[sqlite_utils.Database, Dialect], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, dialect = old_database
    with monkeypatch.context() as patched:
        older = [m for m in available_migrations() if m.version <= BEFORE]
        patched.setattr(knowledge.db, "available_migrations", lambda: older)
        migrate(db, dialect)
    for key, status in (("P-1", "pausiert"), ("A1", None)):  # pausiert: perhaps set in chat
        db.execute(
            "INSERT INTO plan_items (key, kind, title, status, created_at, updated_at)"
            " VALUES (?, ?, 'Titel', ?, ?, ?)",
            (key, "project" if key == "P-1" else "agenda", status, NOW, NOW),
        )
    assert migrate(db, dialect)[0] == BEFORE + 1  # and any later ones
    rows = db.query("SELECT key, status, file_status, owner_name FROM plan_items ORDER BY key")
    assert [tuple(row.values()) for row in rows] == [
        ("A1", None, None, None),
        ("P-1", "pausiert", "pausiert", None),
    ]
    store = PgStore(cast(PgDatabase, db)) if dialect is POSTGRES else Store(db)
    with store.transaction():
        same = store.upsert_plan_item(
            NewPlanItem("project", "P-1", "Titel", status="pausiert"), NOW
        )
    assert same == "unchanged"
