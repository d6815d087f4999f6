"""What the Lagebild cockpit keeps and reads: login links, browser sessions, and the lists
its pages show (issue #19); and the chat's one-time confirmation codes (``confirmations``,
migration 0010), kept as hashes like the links.

Links and sessions are one table (``web_logins``, migration 0009) holding hashes of tokens,
never the tokens: whoever reads the database cannot log in with what they find. Redeeming a
link is one ``UPDATE ... RETURNING`` whose WHERE is checked on the row it changes, so two
browsers racing with the same link never both get a session (on either backend).

The page queries page and filter in SQL: at 10,000 ideas a page must not fetch them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from knowledge.records import Idea, from_row

LOGIN_KINDS = ("link", "session")

_LISTED_SELECT = """
SELECT ideas.id, ideas.title, ideas.text, ideas.author_id, ideas.department, ideas.status,
       ideas.source_platform, ideas.source_room, ideas.source_event_id, ideas.merged_into,
       ideas.created_at, ideas.updated_at, people.display_name AS author_name,
       COALESCE(people.matching_opt_in, 0) AS author_opted_in,
       (SELECT COUNT(*) FROM supports WHERE supports.idea_id = ideas.id) AS supporters
FROM ideas LEFT JOIN people ON people.id = ideas.author_id
"""


@dataclass(frozen=True)
class ListedIdea:
    """An idea as a list shows it: may its author be named (they opted in to matching)?"""

    idea: Idea
    author_opted_in: bool


@dataclass(frozen=True)
class IdeaFilter:
    """Which ideas a list shows; None: no condition. ``ids``: only these, in this order (the
    hits of a search, the ideas of a theme)."""

    status: str | None = None
    department: str | None = None
    since: str | None = None  # ISO 8601, UTC: created at or after
    ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class HistoryEntry:
    action: str  # idea.created, idea.status, idea.merged
    detail: str | None
    at: str


def _listed(row: dict[str, Any]) -> ListedIdea:
    return ListedIdea(from_row(Idea, row), bool(row["author_opted_in"]))


class LoginQueries:
    db: sqlite_utils.Database

    # -- links and sessions -------------------------------------------------------------------

    def add_web_login(
        self, token_hash: str, kind: str, person_id: int, now: str, expires_at: str
    ) -> None:
        if kind not in LOGIN_KINDS:
            raise ValueError(f"unknown login kind {kind!r}")
        self.db.execute(
            "INSERT INTO web_logins (token_hash, kind, person_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token_hash, kind, person_id, now, expires_at),
        )

    def redeem_web_link(self, token_hash: str, now: str) -> int | None:
        """The person of an unused, unexpired link, which is spent from now on; else None."""
        row = self.db.execute(
            "UPDATE web_logins SET used_at = ? WHERE token_hash = ? AND kind = 'link'"
            " AND used_at IS NULL AND expires_at > ? RETURNING person_id",
            (now, token_hash, now),
        ).fetchone()
        return int(row[0]) if row else None

    def web_session_person(self, token_hash: str, now: str) -> int | None:
        row = self.db.execute(
            "SELECT person_id FROM web_logins WHERE token_hash = ? AND kind = 'session'"
            " AND expires_at > ?",
            (token_hash, now),
        ).fetchone()
        return int(row[0]) if row else None

    def end_web_session(self, token_hash: str) -> None:
        self.db.execute(
            "DELETE FROM web_logins WHERE token_hash = ? AND kind = 'session'", (token_hash,)
        )

    def delete_expired_web_logins(self, now: str) -> int:
        """Spent and expired links and sessions: nothing is kept longer than it works."""
        cursor = self.db.execute(
            "DELETE FROM web_logins WHERE expires_at <= ? OR used_at IS NOT NULL", (now,)
        )
        return int(cursor.rowcount or 0)

    # -- one-time confirmation codes (bot.confirmations) --------------------------------------

    def set_confirmation(self, purpose: str, person_id: int, code_hash: str, until: str) -> None:
        """The person's pending code for this purpose; an earlier one stops working."""
        self.db.execute(
            "INSERT INTO confirmations (purpose, person_id, code_hash, expires_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (purpose, person_id)"
            " DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at",
            (purpose, person_id, code_hash, until),
        )

    def redeem_confirmation(self, purpose: str, person_id: int, code_hash: str, now: str) -> bool:
        """True once for the person's unexpired code: spent by the same statement that checks
        it, so two processes never both accept it; expired codes of the person go too."""
        spent = self.db.execute(
            "DELETE FROM confirmations WHERE purpose = ? AND person_id = ? AND code_hash = ?"
            " AND expires_at > ? RETURNING person_id",
            (purpose, person_id, code_hash, now),
        ).fetchone()
        self.db.execute(
            "DELETE FROM confirmations WHERE person_id = ? AND expires_at <= ?", (person_id, now)
        )
        return spent is not None

    # -- what the pages read ------------------------------------------------------------------

    def listed_ideas(
        self, where: IdeaFilter, *, limit: int, offset: int = 0
    ) -> tuple[list[ListedIdea], int]:
        """One page of the ideas ``where`` selects (newest first, or in ``ids`` order), and how
        many it selects in all."""
        conditions, values = _conditions(where)
        clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        total = int(self.db.execute(f"SELECT COUNT(*) FROM ideas{clause}", values).fetchone()[0])
        if where.ids is None:
            rows = self.db.query(
                _LISTED_SELECT + clause + " ORDER BY ideas.id DESC LIMIT ? OFFSET ?",
                [*values, limit, offset],
            )
            return [_listed(row) for row in rows], total
        rank = {idea_id: n for n, idea_id in enumerate(where.ids)}
        found = sorted(
            (_listed(row) for row in self.db.query(_LISTED_SELECT + clause, values)),
            key=lambda listed: rank[listed.idea.id],
        )
        return found[offset : offset + limit], total

    def idea_departments(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT department FROM ideas WHERE department IS NOT NULL ORDER BY department"
        )
        return [row[0] for row in rows]

    def idea_history(self, idea_id: int) -> list[HistoryEntry]:
        """What happened to an idea, from the audit log, oldest first (no actors: the page
        shows what changed, not who)."""
        rows = self.db.query(
            "SELECT action, detail, at FROM audit_log WHERE subject_type = 'idea'"
            " AND subject_id = ? AND action IN ('idea.created', 'idea.status', 'idea.merged')"
            " ORDER BY id",
            (idea_id,),
        )
        return [HistoryEntry(row["action"], row["detail"], row["at"]) for row in rows]

    def merged_into_idea(self, idea_id: int) -> list[int]:
        """The ideas merged into this one (the merge trail's other end)."""
        rows = self.db.execute("SELECT id FROM ideas WHERE merged_into = ? ORDER BY id", (idea_id,))
        return [int(row[0]) for row in rows]

    def idea_supporters(self, idea_id: int) -> list[tuple[str, bool]]:
        """(name, opted in) of each supporter, in the order they supported."""
        rows = self.db.execute(
            "SELECT people.display_name, people.matching_opt_in FROM supports"
            " JOIN people ON people.id = supports.person_id WHERE supports.idea_id = ?"
            " ORDER BY supports.created_at, people.id",
            (idea_id,),
        )
        return [(str(row[0]), bool(row[1])) for row in rows]

    def ideas_by_author(self, person_ids: list[int]) -> dict[int, list[int]]:
        """The ids of each person's ideas that are not merged away, newest first."""
        marks = ",".join("?" for _ in person_ids) or "NULL"
        rows = self.db.execute(
            f"SELECT author_id, id FROM ideas WHERE author_id IN ({marks})"
            " AND status != 'zusammengefuehrt' ORDER BY id DESC",
            list(person_ids),
        )
        found: dict[int, list[int]] = {}
        for author, idea_id in rows:
            found.setdefault(int(author), []).append(int(idea_id))
        return found

    def ideas_version(self) -> tuple[int, str | None]:
        """How many ideas there are and when one last changed: a theme map computed from
        them is current while this stays the same."""
        row = self.db.execute("SELECT COUNT(*), MAX(updated_at) FROM ideas").fetchone()
        return int(row[0]), row[1]


def _conditions(where: IdeaFilter) -> tuple[list[str], list[Any]]:
    conditions: list[str] = []
    values: list[Any] = []
    if where.status is not None:
        conditions.append("ideas.status = ?")
        values.append(where.status)
    if where.department is not None:
        conditions.append("ideas.department = ?")
        values.append(where.department)
    if where.since is not None:
        conditions.append("ideas.created_at >= ?")
        values.append(where.since)
    if where.ids is not None:
        conditions.append(f"ideas.id IN ({','.join('?' for _ in where.ids) or 'NULL'})")
        values += list(where.ids)
    return conditions, values
