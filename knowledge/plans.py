"""The city's plans: agenda goals, projects and systems, and what ideas and questions touch.

Plan items are the administration's own records, known by the key the plan gives them, so a
plan imported again updates rows instead of adding them. Lists (a project's systems, an
item's aliases) are kept as JSON text: the same on both backends, and never queried inside.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from knowledge.records import from_row

KINDS = ("agenda", "project", "system")
PROJECT_STATUSES = ("geplant", "laufend", "pausiert", "abgeschlossen", "abgebrochen")
# The columns an import sets; an update compares them to tell "updated" from "unchanged".
_CONTENT = (
    "kind",
    "title",
    "description",
    "owner",
    "owner_name",
    "department",
    "status",
    "goal",
    "systems",
    "aliases",
    "start_date",
    "end_date",
)


@dataclass(frozen=True)
class NewPlanItem:
    kind: str
    key: str
    title: str
    description: str = ""
    owner: str | None = None
    department: str | None = None
    status: str | None = None
    goal: str | None = None
    systems: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    start_date: str | None = None
    end_date: str | None = None
    owner_name: str | None = None  # for display only: owners are reached by their user id


@dataclass(frozen=True)
class PlanItem:
    key: str
    kind: str
    title: str
    description: str
    owner: str | None
    department: str | None
    status: str | None
    goal: str | None
    systems: tuple[str, ...]
    aliases: tuple[str, ...]
    start_date: str | None
    end_date: str | None
    embedding: bytes | None
    embedding_model: str | None
    created_at: str
    updated_at: str
    owner_name: str | None = None
    file_status: str | None = None  # the status the plan file gave at its last import


@dataclass(frozen=True)
class PlanIdeaLink:
    idea_id: int
    item_key: str
    kind: str
    title: str
    owner: str | None
    score: float
    reason: str | None
    created_at: str
    notified_at: str | None = None
    department: str | None = None  # the idea's


@dataclass(frozen=True)
class PlanQuestionLink:
    question_id: int
    item_key: str
    owner: str | None
    title: str = ""
    kind: str = ""


@dataclass
class PlanTally:
    """What an import did, by key."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _item(row: Mapping[str, Any]) -> PlanItem:
    values = dict(row)
    values["systems"] = tuple(json.loads(values.get("systems") or "[]"))
    values["aliases"] = tuple(json.loads(values.get("aliases") or "[]"))
    return from_row(PlanItem, values)


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values) or "NULL"


class PlanQueries:
    db: sqlite_utils.Database

    def upsert_plan_item(self, item: NewPlanItem, now: str) -> str:
        """Add or update the item by its key; "added", "updated" or "unchanged".

        A changed text drops the stored vector, so it is encoded afresh. The status belongs
        to the file and the chat alike: a file giving the status it gave last time leaves
        the current one (perhaps set in chat) as it is; a new status in the file wins.
        """
        if item.kind not in KINDS:
            raise ValueError(f"unknown plan kind {item.kind!r}")
        values = {
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "owner": item.owner,
            "owner_name": item.owner_name,
            "department": item.department,
            "status": item.status,
            "goal": item.goal,
            "systems": json.dumps(list(item.systems), ensure_ascii=False),
            "aliases": json.dumps(list(item.aliases), ensure_ascii=False),
            "start_date": item.start_date,
            "end_date": item.end_date,
        }
        rows = self.db.query("SELECT * FROM plan_items WHERE key = ?", (item.key,))
        old = next(iter(rows), None)
        if old is None:
            self.db.execute(
                f"INSERT INTO plan_items (key, {', '.join(_CONTENT)}, file_status, created_at,"
                f" updated_at) VALUES (?, {_marks(_CONTENT)}, ?, ?, ?)",
                (item.key, *values.values(), item.status, now, now),
            )
            return "added"
        if old["file_status"] == item.status:  # the file says what it said: chat's word stands
            values["status"] = old["status"]
        changed = {name for name in _CONTENT if old[name] != values[name]}
        if not changed:
            if old["file_status"] != item.status:  # the file caught up with the chat
                self.db.execute(
                    "UPDATE plan_items SET file_status = ? WHERE key = ?", (item.status, item.key)
                )
            return "unchanged"
        assignments = ", ".join(f"{name} = ?" for name in _CONTENT)
        text_changed = changed & {"title", "description", "aliases"}
        stale = ", embedding = NULL, embedding_model = NULL" if text_changed else ""
        self.db.execute(
            f"UPDATE plan_items SET {assignments}, file_status = ?{stale}, updated_at = ?"
            " WHERE key = ?",
            (*values.values(), item.status, now, item.key),
        )
        return "updated"

    def plan_owner_name(self, user_id: str) -> str | None:
        """The name the plan gives the owner with this user id (any case), for people who
        never chatted with the bot; the newest import's where items disagree."""
        row = self.db.execute(
            "SELECT owner_name FROM plan_items WHERE lower(owner) = ? AND owner_name IS NOT NULL"
            " AND owner_name != '' ORDER BY updated_at DESC, key LIMIT 1",
            (user_id.lower(),),
        ).fetchone()
        return str(row[0]) if row else None

    def plan_items(self, kind: str | None = None) -> list[PlanItem]:
        """All items (or those of one kind), in the plan's order of keys."""
        if kind is None:
            rows = self.db.query("SELECT * FROM plan_items")
        else:
            rows = self.db.query("SELECT * FROM plan_items WHERE kind = ?", (kind,))
        return sorted(
            (_item(row) for row in rows), key=lambda i: (KINDS.index(i.kind), _order(i.key))
        )

    def forget_plan_owner(self, user_id: str) -> int:
        """For a plan owner who never chatted (``ideenlotse forget``): see the function."""
        return forget_plan_owner(self.db, user_id)

    def get_plan_item(self, key: str) -> PlanItem | None:
        rows = self.db.query("SELECT * FROM plan_items WHERE key = ?", (key,))
        row = next(iter(rows), None)
        return _item(row) if row else None

    def count_plan_items(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM plan_items").fetchone()[0])

    def set_plan_embedding(self, key: str, blob: bytes, model: str) -> None:
        self.db.execute(
            "UPDATE plan_items SET embedding = ?, embedding_model = ? WHERE key = ?",
            (blob, model, key),
        )

    def project_status_changes(self, start: str, end: str) -> list[tuple[str, str, str]]:
        """(key, old, new) of the project statuses set in [start, end), in chat or by an
        import, oldest first: from the audit log, which keeps the old status."""
        rows = self.db.query(
            "SELECT detail FROM audit_log WHERE action = 'plan.status' AND at >= ? AND at < ?"
            " ORDER BY id",
            (start, end),
        )
        changes = []
        for row in rows:
            key, _, move = (row["detail"] or "").partition(": ")
            old, _, new = move.partition("->")
            if key and new:
                changes.append((key, old, new))
        return changes

    def set_plan_status(self, key: str, status: str, now: str) -> None:
        self.db.execute(
            "UPDATE plan_items SET status = ?, updated_at = ? WHERE key = ?", (status, now, key)
        )

    # -- ideas and questions about plan items -------------------------------------------------

    def link_idea_to_plan(
        self, idea_id: int, key: str, score: float, reason: str | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO plan_idea_links (idea_id, item_key, score, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (idea_id, key, score, reason, now),
        )

    def plan_idea_links(
        self,
        *,
        idea_ids: Sequence[int] | None = None,
        pending: bool = False,
        since: str | None = None,
    ) -> list[PlanIdeaLink]:
        """Links with their item and the idea's department: those of some ideas, those whose
        owner was not told yet (``pending``, projects only), or made since a moment."""
        sql = (
            "SELECT l.*, p.kind, p.title, p.owner, i.department FROM plan_idea_links l"
            " JOIN plan_items p ON p.key = l.item_key JOIN ideas i ON i.id = l.idea_id WHERE 1=1"
        )
        params: list[Any] = []
        if idea_ids is not None:
            sql += f" AND l.idea_id IN ({_marks(idea_ids)})"
            params += list(idea_ids)
        if pending:
            sql += " AND l.notified_at IS NULL AND p.kind = 'project' AND p.owner IS NOT NULL"
        if since is not None:
            sql += " AND l.created_at >= ?"
            params.append(since)
        rows = self.db.query(sql + " ORDER BY l.created_at, l.idea_id", params)
        return [from_row(PlanIdeaLink, row) for row in rows]

    def mark_plan_notified(self, links: Sequence[tuple[int, str]], now: str) -> None:
        for idea_id, key in links:
            self.db.execute(
                "UPDATE plan_idea_links SET notified_at = ? WHERE idea_id = ? AND item_key = ?",
                (now, idea_id, key),
            )

    def link_question_to_plan(
        self, question_id: int, key: str, owner: str | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO plan_question_links (question_id, item_key, owner, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (question_id, item_key) DO UPDATE SET"
            " owner = excluded.owner",
            (question_id, key, owner, now),
        )

    def unlink_question_from_plan(
        self, question_id: int, owners: Sequence[str] | None = None
    ) -> None:
        """The question is no longer the plan's (or, with ``owners``, no longer theirs)."""
        if owners is None:
            self.db.execute("DELETE FROM plan_question_links WHERE question_id = ?", (question_id,))
            return
        self.db.execute(
            "DELETE FROM plan_question_links WHERE question_id = ?"
            f" AND lower(owner) IN ({_marks(owners)})",
            [question_id, *(owner.lower() for owner in owners)],
        )

    def question_plan_links(self, question_id: int) -> list[PlanQuestionLink]:
        """The plan items a question went to, in the order they were found."""
        rows = self.db.query(
            "SELECT l.question_id, l.item_key, l.owner, p.title, p.kind"
            " FROM plan_question_links l JOIN plan_items p ON p.key = l.item_key"
            " WHERE l.question_id = ? ORDER BY l.created_at, l.item_key",
            (question_id,),
        )
        return [PlanQuestionLink(**row) for row in rows]

    def questions_linked_to_owner(self, owners: Sequence[str]) -> list[PlanQuestionLink]:
        """The questions that went to a plan item's owner written as one of ``owners`` (user
        ids, any case): what that owner may answer and sees with ``!offen``."""
        if not owners:
            return []
        rows = self.db.query(
            "SELECT l.question_id, l.item_key, l.owner, p.title, p.kind"
            " FROM plan_question_links l JOIN plan_items p ON p.key = l.item_key"
            f" WHERE lower(l.owner) IN ({_marks(owners)}) ORDER BY l.question_id",
            [owner.lower() for owner in owners],
        )
        return [PlanQuestionLink(**row) for row in rows]

    def ideas_created_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Id, department and creation time of the ideas of a period that are not merged
        away: what the digest's plan section counts."""
        return list(
            self.db.query(
                "SELECT id, department, created_at FROM ideas WHERE created_at >= ?"
                " AND created_at < ? AND status != 'zusammengefuehrt' ORDER BY id",
                (start, end),
            )
        )


def _order(key: str) -> tuple[str, int, str]:
    """ "P-2" before "P-10": the number in a key counts as a number."""
    head = key.rstrip("0123456789")
    tail = key[len(head) :]
    return (head, int(tail) if tail else -1, key)


# -- data protection (knowledge.privacy) -------------------------------------------------------


def plan_rows_about(db: sqlite_utils.Database, person: Mapping[str, Any]) -> dict[str, Any]:
    """For a person's export: the plan items naming them as owner (by their user id), and
    what their ideas and questions were found to be about."""
    owned = db.query(
        f"SELECT {', '.join(('key', *_CONTENT))}, created_at, updated_at FROM plan_items"
        " WHERE owner = ? ORDER BY key",
        (person["platform_user_id"],),
    )
    ideas = db.query(
        "SELECT l.* FROM plan_idea_links l JOIN ideas i ON i.id = l.idea_id"
        " WHERE i.author_id = ? ORDER BY l.idea_id, l.item_key",
        (person["id"],),
    )
    questions = db.query(
        "SELECT l.* FROM plan_question_links l JOIN questions q ON q.id = l.question_id"
        " WHERE q.asker_id = ? OR l.owner = ? ORDER BY l.question_id",
        (person["id"], person["platform_user_id"]),
    )
    return {
        "plan_items_you_own": list(owned),
        "plan_links_of_your_ideas": list(ideas),
        "plan_links_of_questions": list(questions),
    }


def forget_plan_owner(db: sqlite_utils.Database, user_id: str) -> int:
    """An erased person is no plan item's owner any more, and the plan keeps no name of
    theirs: questions about their items go to the role holders again until the plan names
    somebody new. Returns how many items they owned."""
    owned = 0
    for table, names in (("plan_items", "owner_name = NULL, "), ("plan_question_links", "")):
        cursor = db.execute(f"UPDATE {table} SET {names}owner = NULL WHERE owner = ?", (user_id,))
        owned = owned or int(cursor.rowcount or 0)
    return owned
