"""Links between ideas (similar, duplicate, merged, "not similar") and introductions."""

from __future__ import annotations

from typing import Any

import sqlite_utils

LINK_KINDS = ("similar", "duplicate", "merged", "not_similar")


class LinkQueries:
    db: sqlite_utils.Database

    def add_link(
        self,
        idea_a: int,
        idea_b: int,
        kind: str,
        now: str,
        *,
        score: float | None = None,
        confirmed_by: int | None = None,
    ) -> bool:
        """Record a link once (pairs are stored smaller id first); False if it existed."""
        if kind not in LINK_KINDS:
            raise ValueError(f"unknown link kind {kind!r}")
        low, high = sorted((idea_a, idea_b))
        cursor = self.db.execute(
            "INSERT INTO idea_links (idea_a, idea_b, kind, score, confirmed_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (low, high, kind, score, confirmed_by, now),
        )
        return cursor.rowcount == 1

    def linked(self, idea_id: int, kind: str) -> set[int]:
        rows = self.db.execute(
            "SELECT idea_b FROM idea_links WHERE idea_a = ? AND kind = ?"
            " UNION SELECT idea_a FROM idea_links WHERE idea_b = ? AND kind = ?",
            (idea_id, kind, idea_id, kind),
        )
        return {row[0] for row in rows}

    def link_scores(self, kind: str) -> list[float]:
        """Scores of all links of a kind, oldest first (feedback for the threshold)."""
        rows = self.db.execute(
            "SELECT score FROM idea_links WHERE kind = ? AND score IS NOT NULL ORDER BY id",
            (kind,),
        )
        return [float(row[0]) for row in rows]

    def add_introduction(
        self, requester_id: int, target_id: int, idea_id: int | None, now: str
    ) -> int:
        row = self.db.execute(
            "INSERT INTO introductions (requester_id, target_id, idea_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (requester_id, target_id, idea_id, now, now),
        ).fetchone()
        return int(row[0])

    def get_introduction(self, introduction_id: int) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM introductions WHERE id = ?", (introduction_id,))
        return next(iter(rows), None)

    def open_introduction(self, person_a: int, person_b: int) -> dict[str, Any] | None:
        """An introduction between the two, in either direction, that nobody declined."""
        rows = self.db.query(
            "SELECT * FROM introductions WHERE status = 'offen' AND ((requester_id = ? AND"
            " target_id = ?) OR (requester_id = ? AND target_id = ?)) ORDER BY id DESC LIMIT 1",
            (person_a, person_b, person_b, person_a),
        )
        return next(iter(rows), None)

    def decline_introduction(self, introduction_id: int, person_id: int, now: str) -> None:
        self.db.execute(
            "UPDATE introductions SET status = 'abgelehnt', declined_by = ?, updated_at = ?"
            " WHERE id = ?",
            (person_id, now, introduction_id),
        )
