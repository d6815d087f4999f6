"""What the weekly digest reads (activity in a period) and what it remembers (runs, pairs).

Plain SQL that runs on SQLite and PostgreSQL alike: timestamps are ISO 8601 strings in UTC,
which compare correctly as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from knowledge.records import Idea, from_row

MERGED = "zusammengefuehrt"

OPEN_STATUSES = ("neu", "in_pruefung", "in_umsetzung")

_DIGEST_IDEA_SELECT = """
SELECT ideas.*, people.display_name AS author_name,
       COALESCE(people.matching_opt_in, 0) AS author_opted_in,
       (SELECT COUNT(*) FROM supports WHERE supports.idea_id = ideas.id) AS supporters
FROM ideas LEFT JOIN people ON people.id = ideas.author_id
"""


@dataclass(frozen=True)
class DigestIdea:
    """An idea with what the digest needs beside it: may its author be named, its vector."""

    idea: Idea
    author_opted_in: bool
    embedding: bytes | None
    embedding_model: str | None


@dataclass(frozen=True)
class StatusChange:
    idea_id: int
    old: str | None
    new: str
    at: str
    into: int | None = None  # a merge: the idea it now lives on in


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


class DigestQueries:
    db: sqlite_utils.Database

    def digest_ideas(self, since: str) -> list[DigestIdea]:
        """Ideas created since ``since`` (any status but merged) and all open ones, by id."""
        marks = ",".join("?" for _ in OPEN_STATUSES)
        rows = self.db.query(
            _DIGEST_IDEA_SELECT + " WHERE ideas.status != 'zusammengefuehrt'"
            f" AND (ideas.created_at >= ? OR ideas.status IN ({marks})) ORDER BY ideas.id",
            [since, *OPEN_STATUSES],
        )
        return [
            DigestIdea(
                from_row(Idea, row),
                bool(row["author_opted_in"]),
                row["embedding"],
                row["embedding_model"],
            )
            for row in rows
        ]

    def ideas_per_department(self, start: str, end: str) -> dict[str | None, int]:
        """New ideas in [start, end) by department (None: no department given); an idea merged
        into another was a second copy, not a new idea."""
        rows = self.db.query(
            "SELECT department, COUNT(*) AS n FROM ideas WHERE created_at >= ? AND created_at < ?"
            " AND status != 'zusammengefuehrt' GROUP BY department",
            (start, end),
        )
        return {row["department"]: int(row["n"]) for row in rows}

    def questions_asked(self, start: str, end: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM questions WHERE created_at >= ? AND created_at < ?", (start, end)
        ).fetchone()
        return int(row[0])

    def supports_given(self, start: str, end: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM supports WHERE created_at >= ? AND created_at < ?", (start, end)
        ).fetchone()
        return int(row[0])

    def status_changes(self, start: str, end: str) -> list[StatusChange]:
        """Status changes of ideas in [start, end) from the audit log, oldest first; a merge
        is one too (its audit says "into <id>")."""
        rows = self.db.query(
            "SELECT subject_id, action, detail, at FROM audit_log"
            " WHERE action IN ('idea.status', 'idea.merged') AND at >= ? AND at < ? ORDER BY id",
            (start, end),
        )
        changes = []
        for row in rows:
            if row["subject_id"] is None:
                continue
            idea, detail = int(row["subject_id"]), row["detail"] or ""
            if row["action"] == "idea.merged":
                target = detail.removeprefix("into ")
                if target.isdigit():
                    changes.append(StatusChange(idea, None, MERGED, row["at"], int(target)))
                continue
            old, _, new = detail.partition("->")
            if new:
                changes.append(StatusChange(idea, old or None, new, row["at"]))
        return changes

    def most_supported(self, since: str, limit: int) -> list[tuple[Idea, int]]:
        """Open ideas with the most supporters, each with how many of them came since ``since``."""
        marks = ",".join("?" for _ in OPEN_STATUSES)
        rows = self.db.query(
            "SELECT ideas.*, people.display_name AS author_name, COUNT(*) AS supporters,"
            " SUM(CASE WHEN supports.created_at >= ? THEN 1 ELSE 0 END) AS recent"
            " FROM supports JOIN ideas ON ideas.id = supports.idea_id"
            " LEFT JOIN people ON people.id = ideas.author_id"
            f" WHERE ideas.status IN ({marks})"
            " GROUP BY ideas.id, people.display_name"
            " ORDER BY supporters DESC, recent DESC, ideas.id LIMIT ?",
            [since, *OPEN_STATUSES, limit],
        )
        return [(from_row(Idea, row), int(row["recent"] or 0)) for row in rows]

    def connected_pairs(self) -> set[tuple[int, int]]:
        """People who already know of each other: any introduction, asked for or declined."""
        rows = self.db.execute("SELECT requester_id, target_id FROM introductions")
        return {_pair(int(row[0]), int(row[1])) for row in rows}

    def digest_introduced_since(self, since: str) -> set[tuple[int, int]]:
        rows = self.db.execute(
            "SELECT person_a, person_b FROM digest_introductions WHERE suggested_at >= ?",
            (since,),
        )
        return {(int(row[0]), int(row[1])) for row in rows}

    def record_digest_introductions(self, pairs: list[tuple[int, int]], now: str) -> None:
        for a, b in pairs:
            low, high = _pair(a, b)
            self.db.execute(
                "INSERT INTO digest_introductions (person_a, person_b, suggested_at)"
                " VALUES (?, ?, ?) ON CONFLICT (person_a, person_b)"
                " DO UPDATE SET suggested_at = excluded.suggested_at",
                (low, high, now),
            )

    def last_digest_run(self) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM digest_runs ORDER BY fire_time DESC LIMIT 1")
        return next(iter(rows), None)

    def mark_digest_sent(self, fire_time: str) -> bool:
        """A queued digest counts as sent once every outbox row of it was delivered; True the
        once that becomes so."""
        cursor = self.db.execute(
            "UPDATE digest_runs SET kind = 'sent' WHERE fire_time = ? AND kind = 'queued'"
            " AND NOT EXISTS (SELECT 1 FROM outbox WHERE kind = 'digest' AND cause = ?"
            " AND delivered_at IS NULL)",
            (fire_time, fire_time),
        )
        return cursor.rowcount == 1

    def record_digest_run(self, fire_time: str, kind: str, recipients: int, now: str) -> bool:
        """Claim a fire time; False when it was claimed before (another process, a replay)."""
        cursor = self.db.execute(
            "INSERT INTO digest_runs (fire_time, kind, recipients, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (fire_time) DO NOTHING",
            (fire_time, kind, recipients, now),
        )
        return cursor.rowcount == 1
