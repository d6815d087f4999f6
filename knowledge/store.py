"""The repository: everything the core may ask of the knowledge base, in plain values.

All SQL of the project lives in this package. Writes happen inside ``transaction()``, the
unit of work: it commits when the block ends and rolls back on any error, so whatever the bot
confirms to a user is on disk before the reply is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge import folding
from knowledge.db import DB_FILENAME, connect, migrate
from knowledge.records import ROLES, STATUSES, Idea, NewIdea, Person

_IDEA_SELECT = """
SELECT ideas.*, people.display_name AS author_name,
       (SELECT COUNT(*) FROM supports WHERE supports.idea_id = ideas.id) AS supporters
FROM ideas LEFT JOIN people ON people.id = ideas.author_id
"""


class Store:
    """SQLite implementation of the knowledge store."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._lock = threading.RLock()
        migrate(db)

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(connect(Path(data_dir) / DB_FILENAME))

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock, self.db.atomic():
            yield self

    # -- people -----------------------------------------------------------------------------

    def upsert_person(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        now: str,
        *,
        department: str | None = None,
        role: str | None = None,
    ) -> Person:
        """Create the person on first contact; refresh name, department and role later."""
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        existing = self.find_person(platform, platform_user_id)
        if existing is None:
            self.db.execute(
                "INSERT INTO people (platform, platform_user_id, display_name, department, role,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (platform, platform_user_id, display_name, department, role or "staff", now, now),
            )
        else:
            changes: dict[str, Any] = {}
            if display_name and display_name != existing.display_name:
                changes["display_name"] = display_name
            if department and department != existing.department:
                changes["department"] = department
            if role and role != existing.role:
                changes["role"] = role
            if changes:
                changes["updated_at"] = now
                self.db.table("people").update(existing.id, changes)
        person = self.find_person(platform, platform_user_id)
        assert person is not None
        return person

    def find_person(self, platform: str, platform_user_id: str) -> Person | None:
        rows = self.db.query(
            "SELECT * FROM people WHERE platform = ? AND platform_user_id = ?",
            (platform, platform_user_id),
        )
        row = next(iter(rows), None)
        return Person.from_row(row) if row else None

    def get_person(self, person_id: int) -> Person | None:
        row = next(iter(self.db.query("SELECT * FROM people WHERE id = ?", (person_id,))), None)
        return Person.from_row(row) if row else None

    def people_named(self, name: str) -> list[Person]:
        """People whose display name or platform id is ``name`` (case-insensitive)."""
        rows = self.db.query(
            "SELECT * FROM people WHERE lower(display_name) = lower(?)"
            " OR lower(platform_user_id) = lower(?) ORDER BY id",
            (name, name),
        )
        return [Person.from_row(row) for row in rows]

    def set_interests(self, person_id: int, topics: list[str], now: str) -> None:
        self.db.execute("DELETE FROM interests WHERE person_id = ?", (person_id,))
        for topic in topics:
            self.db.execute(
                "INSERT OR IGNORE INTO interests (person_id, topic, created_at) VALUES (?, ?, ?)",
                (person_id, topic, now),
            )

    def interests(self, person_id: int) -> list[str]:
        rows = self.db.query(
            "SELECT topic FROM interests WHERE person_id = ? ORDER BY created_at, rowid",
            (person_id,),
        )
        return [row["topic"] for row in rows]

    # -- ideas ------------------------------------------------------------------------------

    def add_idea(self, idea: NewIdea, now: str) -> Idea:
        if idea.status not in STATUSES:
            raise ValueError(f"unknown status {idea.status!r}")
        cursor = self.db.execute(
            "INSERT INTO ideas (author_id, title, text, department, status, source_platform,"
            " source_room, source_event_id, import_key, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                idea.author_id,
                idea.title,
                idea.text,
                idea.department,
                idea.status,
                idea.source_platform,
                idea.source_room,
                idea.source_event_id,
                idea.import_key,
                idea.created_at or now,
                now,
            ),
        )
        idea_id = int(cursor.lastrowid or 0)
        self.db.execute(
            "INSERT INTO ideas_fts (rowid, title, text) VALUES (?, ?, ?)",
            (idea_id, folding.fold(idea.title or ""), folding.fold(idea.text)),
        )
        created = self.get_idea(idea_id)
        assert created is not None
        return created

    def get_idea(self, idea_id: int) -> Idea | None:
        rows = self.db.query(_IDEA_SELECT + " WHERE ideas.id = ?", (idea_id,))
        row = next(iter(rows), None)
        return Idea.from_row(row) if row else None

    def has_import_key(self, key: str) -> bool:
        rows = self.db.query("SELECT 1 FROM ideas WHERE import_key = ?", (key,))
        return next(iter(rows), None) is not None

    def ideas(self, *, author_ids: list[int] | None = None) -> list[Idea]:
        """All ideas (or those of the given authors), oldest first."""
        if author_ids is None:
            rows = self.db.query(_IDEA_SELECT + " ORDER BY ideas.id")
        else:
            marks = ",".join("?" for _ in author_ids) or "NULL"
            rows = self.db.query(
                _IDEA_SELECT + f" WHERE ideas.author_id IN ({marks}) ORDER BY ideas.id",
                list(author_ids),
            )
        return [Idea.from_row(row) for row in rows]

    def count_ideas(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM ideas").fetchone()[0])

    def search_ideas(self, query: str, limit: int = 5) -> list[Idea]:
        """Full-text search: all terms first, any term when that finds nothing."""
        terms = folding.search_terms(query)
        if not terms:
            return []
        for any_term in (False, True):
            rows = list(
                self.db.query(
                    _IDEA_SELECT + " JOIN ideas_fts ON ideas_fts.rowid = ideas.id"
                    " WHERE ideas_fts MATCH ? AND ideas.status != 'zusammengefuehrt'"
                    " ORDER BY bm25(ideas_fts), ideas.id DESC LIMIT ?",
                    (folding.fts_query(terms, any_term=any_term), limit),
                )
            )
            if rows or len(terms) == 1:
                return [Idea.from_row(row) for row in rows]
        return []

    def set_status(self, idea_id: int, status: str, now: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        self.db.execute(
            "UPDATE ideas SET status = ?, updated_at = ? WHERE id = ?", (status, now, idea_id)
        )

    def add_support(self, idea_id: int, person_id: int, now: str) -> bool:
        """Record support; False when this person already supports the idea."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO supports (idea_id, person_id, created_at) VALUES (?, ?, ?)",
            (idea_id, person_id, now),
        )
        return cursor.rowcount == 1

    # -- events and audit -------------------------------------------------------------------

    def claim_event(self, platform: str, event_id: str, person_id: int | None, now: str) -> bool:
        """Mark a platform event as handled; False if it was handled before (a replay)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO processed_events (platform, event_id, person_id, processed_at)"
            " VALUES (?, ?, ?, ?)",
            (platform, event_id, person_id, now),
        )
        return cursor.rowcount == 1

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
