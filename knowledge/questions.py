"""Questions, their answers, re-routings and reminder bookkeeping.

A question is stored the moment it is asked, before anything is searched or routed, so it
can never be lost between steps. Its state is read from its columns: an offered earlier
answer (``offered_*``), routed (``routed_at``), reminded, escalated, answered or closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from knowledge.db import issue_number
from knowledge.records import from_row

TARGETS = ("cdo", "cio", "both")

_QUESTION_SELECT = """
SELECT questions.*, people.display_name AS asker_name, people.platform AS asker_platform,
       people.platform_user_id AS asker_user_id, people.department AS asker_department,
       people.language AS asker_language
FROM questions LEFT JOIN people ON people.id = questions.asker_id
"""


@dataclass(frozen=True)
class NewQuestion:
    text: str
    asker_id: int
    platform: str | None = None
    room: str | None = None
    thread: str | None = None  # where the bot answered: the asker's thread
    event_id: str | None = None
    asked_directly: bool = False


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    asker_id: int | None
    asker_name: str | None
    asker_platform: str | None
    asker_user_id: str | None
    asker_department: str | None
    asker_language: str | None
    status: str  # offen, beantwortet, geschlossen
    target: str | None  # cdo, cio, both; None while not routed
    confidence: float | None
    reason: str | None
    source_room: str | None
    source_thread: str | None
    asked_directly: bool
    offered_answer_id: int | None
    offered_idea_id: int | None
    routed_at: str | None
    reminded_at: str | None
    escalated_at: str | None
    created_at: str
    updated_at: str

    @property
    def is_open(self) -> bool:
        return self.status == "offen"

    @property
    def awaits_feedback(self) -> bool:
        """An earlier answer or idea was offered and the asker has not said whether it helped.

        Every open question that is not routed waits for that word: the offered answer or idea
        may have been erased since (its id is then gone), and "nein" must still pass it on.
        """
        return self.is_open and self.routed_at is None


@dataclass(frozen=True)
class Answer:
    id: int
    question_id: int
    text: str
    responder_id: int | None
    responder_name: str | None
    created_at: str


@dataclass(frozen=True)
class KnownAnswer:
    """An answered question with its latest answer and the question's vector: reusable."""

    question_id: int
    question: str
    answer: Answer
    embedding: bytes
    asker_name: str | None = None  # the answer may address them: then it is no knowledge
    asker_department: str | None = None  # "zu uns" in the question means this office


_ANSWER_SELECT = """
SELECT answers.*, people.display_name AS responder_name
FROM answers LEFT JOIN people ON people.id = answers.responder_id
"""


class QuestionQueries:
    db: sqlite_utils.Database

    def add_question(self, question: NewQuestion, now: str) -> Question:
        question_id = issue_number(self.db, "questions")
        self.db.execute(
            "INSERT INTO questions (id, asker_id, text, source_platform, source_room,"
            " source_thread, source_event_id, asked_directly, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                question_id,
                question.asker_id,
                question.text,
                question.platform,
                question.room,
                question.thread,
                question.event_id,
                int(question.asked_directly),
                now,
                now,
            ),
        )
        created = self.get_question(question_id)
        assert created is not None
        return created

    def get_question(self, question_id: int) -> Question | None:
        rows = self.db.query(_QUESTION_SELECT + " WHERE questions.id = ?", (question_id,))
        row = next(iter(rows), None)
        return from_row(Question, row) if row else None

    def set_question_embedding(self, question_id: int, blob: bytes, model: str) -> None:
        self.db.execute(
            "UPDATE questions SET embedding = ?, embedding_model = ? WHERE id = ?",
            (blob, model, question_id),
        )

    def offer_answer(self, question_id: int, now: str, *, answer_id: int) -> None:
        """The asker is offered an earlier answer. (``offered_idea_id`` is kept for questions
        of earlier versions, which offered ideas too.)"""
        self.db.execute(
            "UPDATE questions SET offered_answer_id = ?, updated_at = ? WHERE id = ?",
            (answer_id, now, question_id),
        )

    def route_question(
        self, question_id: int, target: str, confidence: float, reason: str, now: str
    ) -> None:
        """Set where the question goes; the SLA (re)starts now, no reminder sent yet."""
        if target not in TARGETS:
            raise ValueError(f"unknown routing target {target!r}")
        self.db.execute(
            "UPDATE questions SET target = ?, confidence = ?, reason = ?, routed_at = ?,"
            " reminded_at = NULL, escalated_at = NULL, updated_at = ? WHERE id = ?",
            (target, confidence, reason, now, now, question_id),
        )

    def close_question(self, question_id: int, now: str, *, offer_helped: bool = False) -> None:
        """Nothing more to do. The offered earlier answer stays linked only when the asker said
        it helped: ``!meine-fragen`` shows it as the question's answer."""
        keep = ", offered_answer_id = NULL" if not offer_helped else ""
        self.db.execute(
            f"UPDATE questions SET status = 'geschlossen', updated_at = ?{keep} WHERE id = ?",
            (now, question_id),
        )

    def add_answer(self, question_id: int, responder_id: int, text: str, now: str) -> Answer:
        row = self.db.execute(
            "INSERT INTO answers (question_id, responder_id, text, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            (question_id, responder_id, text, now),
        ).fetchone()
        self.db.execute(
            "UPDATE questions SET status = 'beantwortet', updated_at = ? WHERE id = ?",
            (now, question_id),
        )
        answer = self.get_answer(int(row[0]))
        assert answer is not None
        return answer

    def get_answer(self, answer_id: int) -> Answer | None:
        rows = self.db.query(_ANSWER_SELECT + " WHERE answers.id = ?", (answer_id,))
        row = next(iter(rows), None)
        return from_row(Answer, row) if row else None

    def latest_answer(self, question_id: int) -> Answer | None:
        rows = self.db.query(
            _ANSWER_SELECT + " WHERE answers.question_id = ? ORDER BY answers.id DESC LIMIT 1",
            (question_id,),
        )
        row = next(iter(rows), None)
        return from_row(Answer, row) if row else None

    def known_answers(self, model: str) -> list[KnownAnswer]:
        """Answered questions whose vector was made by ``model``, each with its last answer."""
        rows = self.db.query(
            "SELECT q.id AS qid, q.text AS qtext, q.embedding AS qvec, a.*,"
            " people.display_name AS responder_name, asker.display_name AS asker_name,"
            " asker.department AS asker_department"
            " FROM questions q JOIN answers a ON a.id ="
            " (SELECT MAX(id) FROM answers WHERE answers.question_id = q.id)"
            " LEFT JOIN people ON people.id = a.responder_id"
            " LEFT JOIN people asker ON asker.id = q.asker_id"
            " WHERE q.status = 'beantwortet' AND q.embedding IS NOT NULL"
            " AND q.embedding_model = ? ORDER BY q.id",
            (model,),
        )
        return [
            KnownAnswer(
                r["qid"],
                r["qtext"],
                from_row(Answer, r),
                r["qvec"],
                r["asker_name"],
                r["asker_department"],
            )
            for r in rows
        ]

    def open_questions(self, targets: tuple[str, ...] | None = None) -> list[Question]:
        """Routed, unanswered questions (for ``targets`` only, if given), oldest first."""
        sql = _QUESTION_SELECT + " WHERE questions.status = 'offen'"
        sql += " AND questions.routed_at IS NOT NULL"
        values: list[Any] = []
        if targets is not None:
            sql += f" AND questions.target IN ({','.join('?' for _ in targets) or 'NULL'})"
            values += list(targets)
        rows = self.db.query(sql + " ORDER BY questions.id", values)
        return [from_row(Question, row) for row in rows]

    def questions_of(self, asker_id: int, limit: int = 20) -> list[Question]:
        """A person's questions, newest first."""
        rows = self.db.query(
            _QUESTION_SELECT + " WHERE questions.asker_id = ? ORDER BY questions.id DESC LIMIT ?",
            (asker_id, limit),
        )
        return [from_row(Question, row) for row in rows]

    def mark_reminded(self, question_id: int, now: str) -> None:
        self.db.execute("UPDATE questions SET reminded_at = ? WHERE id = ?", (now, question_id))

    def mark_escalated(self, question_id: int, now: str) -> None:
        self.db.execute("UPDATE questions SET escalated_at = ? WHERE id = ?", (now, question_id))

    def add_reroute(
        self, question_id: int, person_id: int, from_target: str | None, to_target: str, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO reroutes (question_id, person_id, from_target, to_target, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (question_id, person_id, from_target, to_target, now),
        )

    def reroute_examples(self) -> list[tuple[str, str]]:
        """(question text, target) of every re-routing, oldest first: training examples."""
        rows = self.db.execute(
            "SELECT questions.text, reroutes.to_target FROM reroutes"
            " JOIN questions ON questions.id = reroutes.question_id ORDER BY reroutes.id"
        )
        return [(row[0], row[1]) for row in rows]
