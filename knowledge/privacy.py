"""What the store holds about one person: export (Art. 15 DSGVO), erasure (Art. 17) and the
retention clean-up (Art. 5 (1) e).

``PERSON_COLUMNS`` names every column that points at a person; the export reads exactly those
rows and the erasure leaves none behind; a test compares it with the schema's foreign keys
(plan items name their owner by user id, not by row: ``knowledge.plans`` covers those).

The queries are plain SQL with ``?`` placeholders, shared by both backends. Deleting a row
does not remove its bytes from the database's files (free pages, old FTS segments, old WAL
frames); how each backend makes deletions physical is the dialect's (``zero_freed_space``,
``compact``, ``checkpoint`` in ``knowledge.dialect``), and ``scrub`` runs it.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from knowledge.dialect import Dialect
from knowledge.erase_rows import delete_ideas, delete_questions
from knowledge.plans import forget_plan_owner, plan_rows_about

PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("id",),
    "interests": ("person_id",),
    "ideas": ("author_id",),
    "supports": ("person_id",),
    "idea_links": ("confirmed_by",),
    "questions": ("asker_id",),
    "answers": ("responder_id",),
    "processed_events": ("person_id",),
    "audit_log": ("actor_id",),
    "introductions": ("requester_id", "target_id", "declined_by"),
    "reroutes": ("person_id",),
    "digest_introductions": ("person_a", "person_b"),
    "outbox": ("person_id",),
    "web_logins": ("person_id",),
    "confirmations": ("person_id",),
}
# What the erasure does with each of them, besides people, ideas and questions:
# rows that exist only because of the person go; rows that are the administration's record
# (answers given, re-routings, handled events, the audit log) stay without the link.
ERASE_ROWS: dict[str, tuple[str, ...]] = {
    "interests": ("person_id",),
    "supports": ("person_id",),
    "introductions": ("requester_id", "target_id"),
    "digest_introductions": ("person_a", "person_b"),
    "outbox": ("person_id",),  # what was to be sent to them (``_forget_parcels``: and about them)
    "web_logins": ("person_id",),  # their cockpit links and sessions (also ON DELETE CASCADE)
    "confirmations": ("person_id",),  # a pending code of theirs (also ON DELETE CASCADE)
}
UNLINK: dict[str, tuple[str, ...]] = {
    "idea_links": ("confirmed_by",),
    "answers": ("responder_id",),
    "processed_events": ("person_id",),
    "audit_log": ("actor_id",),
    "introductions": ("declined_by",),
    "reroutes": ("person_id",),
}
ERASE_MODES = ("delete", "anonymise")
# Audit actions after which deleted data may still be readable in the file until a scrub
# (an edit deletes the idea's old text: its author may have edited a name out).
NEEDS_SCRUB = ("person.erased", "retention.deleted", "idea.edited")
SCRUBBED = "storage.scrubbed"
RETENTION_RUNS = ("retention.run", "retention.deleted")
# What a person did in a role stays in the audit log without them (the administration's
# record); the rest of what they did goes with them (trial 27 read their trail after erasure).
ROLE_ACTIONS = ("idea.status", "idea.merged", "plan.status", "plan.imported", "ideas.imported",
                "question.answered", "question.closed", "question.rerouted")  # fmt: skip


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed, so the in-memory indexes can forget it too."""

    deleted_ideas: tuple[int, ...]
    deleted_questions: tuple[int, ...]
    anonymised_ideas: int
    anonymised_questions: int
    rerouted_questions_deleted: bool  # the router learnt from text that is gone now


@dataclass(frozen=True)
class Expired:
    """What the retention job deleted."""

    ideas: tuple[int, ...] = ()
    questions: tuple[int, ...] = ()
    introductions: int = 0
    audit_entries: int = 0
    events: int = 0
    people: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        counts = (self.introductions, self.audit_entries, self.events)
        return len(self.ideas) + len(self.questions) + len(self.people) + sum(counts)


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values) or "NULL"


def _plain(value: Any) -> Any:
    """JSON-ready: vectors and other bytes as base64, so the export is complete and valid."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii"), "bytes": len(value)}
    return value


class PrivacyQueries:
    db: sqlite_utils.Database
    dialect: Dialect
    _lock: threading.RLock

    if TYPE_CHECKING:  # provided by Store

        def audit(
            self,
            action: str,
            now: str,
            *,
            actor_id: int | None = None,
            subject_type: str | None = None,
            subject_id: int | None = None,
            detail: str | None = None,
        ) -> None: ...

    # -- export -----------------------------------------------------------------------------

    def person_export(self, person_id: int, now: str) -> dict[str, Any]:
        """Every row that refers to the person, table by table, plus what was done to them;
        answers others gave to the person's questions too (written for the person)."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for table, columns in PERSON_COLUMNS.items():
            where = " OR ".join(f"{column} = ?" for column in columns)
            rows = self.db.query(f"SELECT * FROM {table} WHERE {where}", [person_id] * len(columns))
            tables[table] = [{k: _plain(v) for k, v in row.items()} for row in rows]
        person = tables.pop("people")
        answers = self.db.query(
            "SELECT answers.* FROM answers JOIN questions ON questions.id = answers.question_id"
            " WHERE questions.asker_id = ? ORDER BY answers.id",
            (person_id,),
        )
        about = self.db.query(
            "SELECT * FROM audit_log WHERE subject_type = 'person' AND subject_id = ? ORDER BY id",
            (person_id,),
        )
        passed_on = self.db.query(  # trial 27: who re-routed one's question is about one too
            "SELECT reroutes.* FROM reroutes JOIN questions ON questions.id ="
            " reroutes.question_id WHERE questions.asker_id = ? ORDER BY reroutes.id",
            (person_id,),
        )
        supported = self.db.query(
            "SELECT ideas.id, ideas.title, ideas.text FROM supports"
            " JOIN ideas ON ideas.id = supports.idea_id WHERE supports.person_id = ?"
            " ORDER BY ideas.id",
            (person_id,),
        )
        names = self.db.query(
            "SELECT id, display_name FROM people WHERE id IN (SELECT requester_id FROM"
            " introductions WHERE target_id = ?) OR id IN (SELECT target_id FROM introductions"
            " WHERE requester_id = ?) ORDER BY id",
            (person_id, person_id),
        )
        return {
            "exported_at": now,
            "person": person[0] if person else None,
            "tables": tables,
            "answers_to_your_questions": list(answers),
            "reroutes_of_your_questions": list(passed_on),
            "ideas_you_support": list(supported),
            "people_in_your_introductions": list(names),
            "audit_log_about_you": list(about),
        } | (plan_rows_about(self.db, person[0]) if person else {})

    # -- erasure ----------------------------------------------------------------------------

    def erasure_preview(self, person_id: int) -> tuple[int, int]:
        """How many ideas and questions the person has (shown before they confirm)."""
        ideas = self.db.execute("SELECT COUNT(*) FROM ideas WHERE author_id = ?", (person_id,))
        asked = self.db.execute("SELECT COUNT(*) FROM questions WHERE asker_id = ?", [person_id])
        return int(ideas.fetchone()[0]), int(asked.fetchone()[0])

    def erase_person(
        self, person_id: int, now: str, *, mode: str = "delete", anonymous_label: str = "—"
    ) -> Erasure:
        """Remove the person and everything that points at them; run inside a transaction.

        Their ideas and questions are deleted (``mode="delete"``) or kept without any link
        to them (``"anonymise"``). Answers they gave as a role holder stay, without their
        name: they are the administration's knowledge. Event ids stay without the person, so
        a replayed event is still recognised and not handled twice. ``anonymous_label``
        replaces their name where it was written into a re-routing reason.
        """
        if mode not in ERASE_MODES:
            raise ValueError(f"unknown erase mode {mode!r}")
        person = next(iter(self.db.query("SELECT * FROM people WHERE id = ?", (person_id,))), None)
        if person is None:
            raise LookupError(f"no person {person_id}")
        self.dialect.zero_freed_space(self.db)
        ideas = self._ids("SELECT id FROM ideas WHERE author_id = ?", person_id)
        questions = self._ids("SELECT id FROM questions WHERE asker_id = ?", person_id)
        kept = (
            []
            if mode == "delete"
            else self._ids(  # an open one has nobody left to answer
                "SELECT id FROM questions WHERE asker_id = ? AND status != 'offen'", person_id
            )
        )
        rerouted = self._ids(
            f"SELECT DISTINCT question_id FROM reroutes WHERE question_id IN ({_marks(questions)})",
            *questions,
        )
        self.db.execute(
            "UPDATE questions SET reason = REPLACE(reason, ?, ?) WHERE id IN"
            " (SELECT question_id FROM reroutes WHERE person_id = ?)",
            (person["display_name"], anonymous_label, person_id),
        )
        self.db.execute(  # a re-import of the same file must not bring them back
            "INSERT INTO erased_imports (import_key, erased_at) SELECT import_key, ? FROM ideas"
            " WHERE author_id = ? AND import_key IS NOT NULL ON CONFLICT DO NOTHING",
            (now, person_id),
        )
        gone = [q for q in questions if q not in kept]
        delete_questions(self.db, gone)
        if mode == "delete":
            delete_ideas(self.db, ideas)
        else:  # in a small town a department is nearly a name (trial 27)
            self.db.execute(
                "UPDATE ideas SET author_id = NULL, department = NULL, source_room = NULL,"
                " source_event_id = NULL, import_key = NULL, updated_at = ? WHERE author_id = ?",
                (now, person_id),
            )
            self.db.execute(
                "UPDATE questions SET asker_id = NULL, source_room = NULL, source_thread = NULL,"
                " source_event_id = NULL, updated_at = ? WHERE asker_id = ?",
                (now, person_id),
            )
        forget_plan_owner(self.db, person["platform_user_id"])
        self._forget_parcels(person)  # before the events they caused lose the link to them
        self.db.execute(
            f"DELETE FROM audit_log WHERE (actor_id = ? AND action NOT IN"
            f" ({_marks(ROLE_ACTIONS)})) OR (subject_type = 'person' AND subject_id = ?)",
            (person_id, *ROLE_ACTIONS, person_id),
        )
        for table, columns in UNLINK.items():
            for column in columns:
                self.db.execute(
                    f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", (person_id,)
                )
        self._delete_rows_of([person_id])
        self.db.execute("DELETE FROM people WHERE id = ?", (person_id,))
        deleted = mode == "delete"
        self.audit(
            "person.erased",
            now,
            subject_type="person",
            detail=f"mode={mode} ideas={len(ideas)} questions={len(questions)}",
        )
        return Erasure(
            deleted_ideas=tuple(ideas) if deleted else (),
            deleted_questions=tuple(gone),
            anonymised_ideas=0 if deleted else len(ideas),
            anonymised_questions=len(kept),
            rerouted_questions_deleted=deleted and bool(rerouted),
        )

    def _forget_parcels(self, person: dict[str, Any]) -> None:
        """Unsent outbox rows addressed to the person by their platform id (a reminder to a
        role holder never seen before is linked to nobody), or caused by their events (what
        the others were to be told of their question, their support)."""
        self.db.execute(
            "DELETE FROM outbox WHERE delivered_at IS NULL AND ((direct_to = ? AND"
            " (platform = ? OR platform IS NULL)) OR (kind = 'answer' AND EXISTS (SELECT 1 FROM"
            " processed_events e WHERE e.person_id = ? AND e.platform = outbox.platform"
            " AND e.event_id = outbox.cause)))",
            (person["platform_user_id"], person["platform"], person["id"]),
        )

    def _ids(self, sql: str, *values: Any) -> list[int]:
        return [int(row[0]) for row in self.db.execute(sql, values)]

    def _delete_rows_of(self, people: list[int]) -> None:
        marks = _marks(people)
        for table, columns in ERASE_ROWS.items():
            where = " OR ".join(f"{column} IN ({marks})" for column in columns)
            self.db.execute(f"DELETE FROM {table} WHERE {where}", people * len(columns))

    # -- retention --------------------------------------------------------------------------

    def last_retention_run(self) -> str | None:
        row = self.db.execute(
            f"SELECT MAX(at) FROM audit_log WHERE action IN ({_marks(RETENTION_RUNS)})",
            RETENTION_RUNS,
        ).fetchone()
        return row[0] if row else None

    def delete_expired(self, before: str, events_before: str, now: str) -> Expired:
        """Delete what was last changed before ``before`` (events: ``events_before``).

        People go when nothing of theirs is left and they have not been seen since
        ``before``; an audit entry records the run and its counts (never names).
        """
        self.dialect.zero_freed_space(self.db)
        ideas = self._ids("SELECT id FROM ideas WHERE updated_at < ?", before)
        questions = self._ids("SELECT id FROM questions WHERE updated_at < ?", before)
        delete_ideas(self.db, ideas)
        delete_questions(self.db, questions)
        introductions = self.db.execute(
            "DELETE FROM introductions WHERE updated_at < ?", (before,)
        ).rowcount
        self.db.execute("DELETE FROM digest_introductions WHERE suggested_at < ?", (before,))
        audit = self.db.execute("DELETE FROM audit_log WHERE at < ?", (before,)).rowcount
        events = self.db.execute(
            "DELETE FROM processed_events WHERE processed_at < ?", (events_before,)
        ).rowcount
        # what was sent, given up, or never taken (a console that stopped) that long ago
        events += self.db.execute(
            "DELETE FROM outbox WHERE created_at < ?", (events_before,)
        ).rowcount
        idle = self._ids(
            "SELECT id FROM people p WHERE updated_at < ? AND matching_opt_in = 0"
            " AND NOT EXISTS (SELECT 1 FROM ideas WHERE author_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM questions WHERE asker_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM answers WHERE responder_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM supports WHERE person_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM interests WHERE person_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM introductions"
            "   WHERE requester_id = p.id OR target_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM processed_events"
            "   WHERE person_id = p.id AND processed_at >= ?)",
            before,
            before,
        )
        marks = _marks(idle)
        for table, columns in UNLINK.items():
            for column in columns:
                self.db.execute(
                    f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({marks})", idle
                )
        self._delete_rows_of(idle)
        self.db.execute(f"DELETE FROM people WHERE id IN ({marks})", idle)
        expired = Expired(tuple(ideas), tuple(questions), introductions, audit, events, tuple(idle))
        self.audit(
            "retention.deleted" if expired.total else "retention.run",
            now,
            detail=(
                f"before={before} ideas={len(ideas)} questions={len(questions)}"
                f" introductions={introductions} audit={audit} events={events}"
                f" people={len(idle)}"
            ),
        )
        return expired

    # -- making deletions physical ----------------------------------------------------------

    def needs_scrub(self) -> bool:
        """Something was erased or expired since the database file was last scrubbed."""
        row = self.db.execute(
            f"SELECT MAX(CASE WHEN action IN ({_marks(NEEDS_SCRUB)}) THEN id END),"
            f" MAX(CASE WHEN action = ? THEN id END) FROM audit_log"
            f" WHERE action IN ({_marks(NEEDS_SCRUB)}) OR action = ?",
            (*NEEDS_SCRUB, SCRUBBED, *NEEDS_SCRUB, SCRUBBED),
        ).fetchone()
        deleted, scrubbed = row
        return deleted is not None and (scrubbed is None or scrubbed < deleted)

    def scrub(self, now: str) -> None:
        """Make deleted data unreadable in the database's files, and record that it was.

        The storage is rewritten (SQLite: FTS5 optimize and VACUUM; PostgreSQL: VACUUM FULL),
        the scrub is audited, then the write-ahead log is cleared where the store keeps one
        (SQLite's WAL, so the audit entry is in the file too). Runs outside any transaction,
        under the store's lock; it blocks the store for as long as VACUUM takes (about a second
        per 100 MB).
        """
        with self._lock:
            self.dialect.compact(self.db)
            with self.db.atomic():
                self.audit(SCRUBBED, now)
            self.dialect.checkpoint(self.db)
