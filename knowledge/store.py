"""The repository: everything the core may ask of the knowledge base, in plain values.

All SQL of the project lives in this package. Writes happen inside ``transaction()``, the
unit of work: it commits when the block ends and rolls back on any error, so whatever the bot
confirms to a user is on disk before the reply is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from knowledge.db import migrate
from knowledge.dialect import SQLITE, Dialect, StoreBusy
from knowledge.digests import DigestQueries
from knowledge.ideas import IdeaQueries
from knowledge.links import LinkQueries
from knowledge.logins import LoginQueries
from knowledge.outbox import OutboxQueries
from knowledge.people import PeopleQueries
from knowledge.plans import PlanQueries
from knowledge.privacy import PrivacyQueries
from knowledge.questions import QuestionQueries

__all__ = ["Store", "StoreBusy"]


class Store(
    PeopleQueries,
    IdeaQueries,
    LinkQueries,
    QuestionQueries,
    PrivacyQueries,
    DigestQueries,
    OutboxQueries,
    PlanQueries,
    LoginQueries,
):
    """The knowledge store, on SQLite unless given another dialect (``knowledge.pg``)."""

    def __init__(self, db: sqlite_utils.Database, dialect: Dialect = SQLITE):
        self.db = db
        self.dialect = dialect
        self._lock = threading.RLock()
        migrate(db, dialect)

    def close(self) -> None:
        """Waits for a transaction another thread is in (an adapter's delivery worker):
        closing the connection under a running query crashes the sqlite3 module."""
        with self._lock:
            self.db.close()

    def ping(self) -> None:
        """Raise if the database does not answer: the health check."""
        with self.transaction():
            self.db.execute("SELECT 1").fetchone()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """The unit of work: committed when the block ends, rolled back on any error; how the
        backend locks is the dialect's (``Dialect.transaction``)."""
        with self._lock, self.dialect.transaction(self.db):
            yield self

    # -- events and audit -------------------------------------------------------------------

    def claim_event(self, platform: str, event_id: str, person_id: int | None, now: str) -> bool:
        """Mark a platform event as handled; False if it was handled before (a replay)."""
        cursor = self.db.execute(
            "INSERT INTO processed_events (platform, event_id, person_id, processed_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (platform, event_id, person_id, now),
        )
        return cursor.rowcount == 1

    def event_author(self, platform: str, event_id: str) -> str | None:
        """The platform user id of who sent a handled event, if the store still knows them."""
        row = self.db.execute(
            "SELECT people.platform_user_id FROM processed_events"
            " JOIN people ON people.id = processed_events.person_id"
            " WHERE processed_events.platform = ? AND processed_events.event_id = ?",
            (platform, event_id),
        ).fetchone()
        return str(row[0]) if row else None

    def audit(
        self,
        action: str,
        now: str,
        *,
        actor_id: int | None = None,
        subject_type: str | None = None,
        subject_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (now, actor_id, action, subject_type, subject_id, detail),
        )

    def audit_entries(self, action: str | None = None) -> list[dict[str, Any]]:
        if action is None:
            return list(self.db.query("SELECT * FROM audit_log ORDER BY id"))
        rows = self.db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,))
        return list(rows)
