"""Ideas, their full text, supports and embeddings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlite_utils

from knowledge import folding
from knowledge.db import issue_number
from knowledge.dialect import Dialect
from knowledge.records import STATUSES, Idea, NewIdea, from_row

_IDEA_SELECT = """
SELECT ideas.*, people.display_name AS author_name,
       (SELECT COUNT(*) FROM supports WHERE supports.idea_id = ideas.id) AS supporters
FROM ideas LEFT JOIN people ON people.id = ideas.author_id
"""


@dataclass(frozen=True)
class IdeaHits:
    """One page of a full-text search, and how many ideas it found in all."""

    ideas: list[Idea]
    total: int


class IdeaQueries:
    db: sqlite_utils.Database
    dialect: Dialect

    def add_idea(self, idea: NewIdea, now: str) -> Idea:
        if idea.status not in STATUSES:
            raise ValueError(f"unknown status {idea.status!r}")
        idea_id = issue_number(self.db, "ideas")
        self.db.execute(
            "INSERT INTO ideas (id, author_id, title, text, department, status, source_platform,"
            " source_room, source_event_id, import_key, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                idea_id,
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
        return from_row(Idea, row) if row else None

    def has_import_key(self, key: str) -> bool:
        rows = self.db.query("SELECT 1 FROM ideas WHERE import_key = ?", (key,))
        return next(iter(rows), None) is not None

    def import_erased(self, key: str) -> bool:
        """The row's author was erased: importing it again would undo the erasure."""
        rows = self.db.query("SELECT 1 FROM erased_imports WHERE import_key = ?", (key,))
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
        return [from_row(Idea, row) for row in rows]

    def count_ideas(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM ideas").fetchone()[0])

    def search_ideas(self, query: str, limit: int = 5) -> list[Idea]:
        """Full-text search: all terms first, any term when that finds nothing."""
        return self.find_ideas(query, limit).ideas

    def find_ideas(self, query: str, limit: int = 5) -> IdeaHits:
        """The best ``limit`` hits of ``search_ideas`` and how many ideas matched in all:
        with 310 ideas, "the first five" of twenty looked like all there were."""
        terms = folding.search_terms(query)
        if not terms:
            return IdeaHits([], 0)
        for any_term in (False, True):
            match = self.dialect.text_match(
                "ideas_fts", ("title", "text"), terms, any_term=any_term
            )
            matching = (
                " JOIN ideas_fts ON ideas_fts.rowid = ideas.id"
                f" WHERE ({match.where}) AND ideas.status != 'zusammengefuehrt'"
                f" ORDER BY {match.order}, ideas.id DESC"
            )
            rows = list(self.db.query(_IDEA_SELECT + matching + " LIMIT ?", (*match.params, limit)))
            if rows or len(terms) == 1:
                total = len(rows)
                if total == limit:  # a full page: count them all. The count keeps the ORDER
                    # BY, so it takes the match's parameters as they are (PostgreSQL's rank has
                    # its own)
                    count = f"SELECT COUNT(*) FROM (SELECT ideas.id FROM ideas{matching}) AS hits"
                    total = int(self.db.execute(count, match.params).fetchone()[0])
                return IdeaHits([from_row(Idea, row) for row in rows], total)
        return IdeaHits([], 0)

    def idea_from_message(self, platform: str, event_id: str) -> Idea | None:
        """The idea a chat message posted (an edit of the message names it so)."""
        rows = self.db.query(
            _IDEA_SELECT + " WHERE ideas.source_platform = ? AND ideas.source_event_id = ?",
            (platform, event_id),
        )
        row = next(iter(rows), None)
        return from_row(Idea, row) if row else None

    def change_text(self, idea_id: int, text: str, now: str) -> None:
        """The author's new text replaces the old one everywhere, the vector too (it is
        stale: the caller stores the new one or ``load`` encodes it again)."""
        seq = issue_number(self.db, "idea_edits")
        self.db.execute(
            "UPDATE ideas SET text = ?, embedding = NULL, embedding_model = NULL,"
            " edited_seq = ?, updated_at = ? WHERE id = ?",
            (text, seq, now, idea_id),
        )
        self.db.execute(
            "UPDATE ideas_fts SET text = ? WHERE rowid = ?", (folding.fold(text), idea_id)
        )

    def embeddings_edited_after(
        self, model: str, after: int
    ) -> tuple[int, list[tuple[int, bytes]]]:
        """The last edit's number, and the stored vectors of ideas edited after ``after``:
        another process sharing the database may have changed them."""
        last = int(
            self.db.execute("SELECT last FROM issued_numbers WHERE kind = 'idea_edits'").fetchone()[
                0
            ]
        )
        if last <= after:
            return last, []
        rows = self.db.execute(
            "SELECT id, embedding FROM ideas WHERE edited_seq > ? AND embedding IS NOT NULL"
            " AND embedding_model = ?",
            (after, model),
        )
        return last, [(row[0], row[1]) for row in rows]

    def set_status(self, idea_id: int, status: str, now: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        self.db.execute(
            "UPDATE ideas SET status = ?, updated_at = ? WHERE id = ?", (status, now, idea_id)
        )

    def add_support(self, idea_id: int, person_id: int, now: str) -> bool:
        """Record support; False when this person already supports the idea."""
        cursor = self.db.execute(
            "INSERT INTO supports (idea_id, person_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (idea_id, person_id, now),
        )
        return cursor.rowcount == 1

    def supporter_ids(self, idea_id: int) -> list[int]:
        rows = self.db.query("SELECT person_id FROM supports WHERE idea_id = ?", (idea_id,))
        return [row["person_id"] for row in rows]

    def set_embedding(self, idea_id: int, blob: bytes, model: str) -> None:
        self.db.execute(
            "UPDATE ideas SET embedding = ?, embedding_model = ? WHERE id = ?",
            (blob, model, idea_id),
        )

    def embeddings(self, model: str, ids: list[int] | None = None) -> list[tuple[int, bytes]]:
        """Stored vectors made by ``model`` (others are stale and re-encoded), of all ideas or
        of ``ids``."""
        sql = "SELECT id, embedding FROM ideas WHERE embedding IS NOT NULL AND embedding_model = ?"
        params: list[object] = [model]
        if ids is not None:
            sql += f" AND id IN ({','.join('?' for _ in ids) or 'NULL'})"
            params += ids
        return [(row[0], row[1]) for row in self.db.execute(sql, params)]

    def embeddings_after(self, model: str, after_id: int) -> list[tuple[int, bytes]]:
        """Stored vectors by ``model`` of ideas numbered above ``after_id``."""
        return [
            (row[0], row[1])
            for row in self.db.execute(
                "SELECT id, embedding FROM ideas WHERE embedding IS NOT NULL"
                " AND embedding_model = ? AND id > ? ORDER BY id",
                (model, after_id),
            )
        ]

    def nearest_ideas(
        self, vector: np.ndarray, model: str, k: int
    ) -> list[tuple[int, float]] | None:
        """(idea id, cosine) of the nearest stored vectors, where the database indexes vectors.

        SQLite does not (None): its matcher's in-memory index takes up what other processes
        stored (``embeddings_after``). PostgreSQL does (pgvector).
        """
        return None

    def ideas_without_embedding(self, model: str) -> list[Idea]:
        rows = self.db.query(
            _IDEA_SELECT + " WHERE ideas.embedding IS NULL OR ideas.embedding_model IS NULL"
            " OR ideas.embedding_model != ? ORDER BY ideas.id",
            (model,),
        )
        return [from_row(Idea, row) for row in rows]

    def get_ideas(self, ids: list[int]) -> dict[int, Idea]:
        marks = ",".join("?" for _ in ids) or "NULL"
        rows = self.db.query(_IDEA_SELECT + f" WHERE ideas.id IN ({marks})", list(ids))
        return {row["id"]: from_row(Idea, row) for row in rows}

    def merge_idea(self, source_id: int, target_id: int, now: str) -> None:
        """Fold ``source`` into ``target``: supports move over, the source stays as a record."""
        self.db.execute(
            "INSERT INTO supports (idea_id, person_id, created_at)"
            " SELECT ?, person_id, created_at FROM supports WHERE idea_id = ?"
            " ON CONFLICT DO NOTHING",
            (target_id, source_id),
        )
        self.db.execute(
            "UPDATE ideas SET status = 'zusammengefuehrt', merged_into = ?, updated_at = ?"
            " WHERE id = ?",
            (target_id, now, source_id),
        )
        # Ideas merged into the source earlier now point at the final target too.
        self.db.execute(
            "UPDATE ideas SET merged_into = ?, updated_at = ? WHERE merged_into = ?",
            (target_id, now, source_id),
        )

    def merged_authors(self, idea_id: int) -> list[int]:
        """Authors of the ideas that were merged into this one."""
        rows = self.db.query(
            "SELECT DISTINCT author_id FROM ideas WHERE merged_into = ? AND author_id IS NOT NULL",
            (idea_id,),
        )
        return [row["author_id"] for row in rows]

    def delete_idea(self, idea_id: int) -> None:
        self.db.execute("UPDATE ideas SET merged_into = NULL WHERE merged_into = ?", (idea_id,))
        self.db.execute("DELETE FROM ideas_fts WHERE rowid = ?", (idea_id,))
        self.db.execute("DELETE FROM ideas WHERE id = ?", (idea_id,))
