"""The store as each aggregate's use cases see it: one small protocol per aggregate.

``Store`` is one class with every query of the project (``knowledge.store``), so a service
typed with it could change any table. The unit of work (``bot.uow``) hands the one store out
under these protocols instead, and a service reaches only its aggregate's methods: mypy
proves that a use case about ideas writes no question, and a test may give one aggregate a
fake without writing a whole store. Each protocol lists only what the services call; a
method joins when a service needs it, and ``Store`` satisfies them all (checked where the
unit of work assigns it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from knowledge.plans import PlanItem, PlanQuestionLink
from knowledge.privacy import Erasure
from knowledge.questions import Answer, KnownAnswer, NewQuestion, Question
from knowledge.records import Idea, NewIdea, Person

if TYPE_CHECKING:  # for annotations only: the command line starts without numpy
    import numpy as np


class AuditLog(Protocol):
    """Who did what, when: every use case that changes something leaves a line."""

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


class IdeaRepository(Protocol):
    """Ideas, their supporters and the links between them (similar, merged, not similar)."""

    def add_idea(self, idea: NewIdea, now: str) -> Idea: ...

    def set_embedding(self, idea_id: int, blob: bytes, model: str) -> None: ...

    def set_status(self, idea_id: int, status: str, now: str) -> None: ...

    def change_text(self, idea_id: int, text: str, now: str) -> None: ...

    def merge_idea(self, source_id: int, target_id: int, now: str) -> None: ...

    def add_support(self, idea_id: int, person_id: int, now: str) -> bool: ...

    def supporter_ids(self, idea_id: int) -> list[int]: ...

    def add_link(
        self,
        idea_a: int,
        idea_b: int,
        kind: str,
        now: str,
        *,
        score: float | None = None,
        confirmed_by: int | None = None,
    ) -> bool: ...

    # what the matcher reads to find ideas like a text (``SemanticMatcher.similar``)

    def ideas(self, *, author_ids: list[int] | None = None) -> list[Idea]: ...

    def get_ideas(self, ids: list[int]) -> dict[int, Idea]: ...

    def embeddings(self, model: str, ids: list[int] | None = None) -> list[tuple[int, bytes]]: ...

    def embeddings_after(self, model: str, after_id: int) -> list[tuple[int, bytes]]: ...

    def embeddings_edited_after(
        self, model: str, after: int
    ) -> tuple[int, list[tuple[int, bytes]]]: ...

    def nearest_ideas(
        self, vector: np.ndarray, model: str, k: int
    ) -> list[tuple[int, float]] | None: ...

    def linked(self, idea_id: int, kind: str) -> set[int]: ...

    def link_scores(self, kind: str) -> list[float]: ...


class PeopleRepository(Protocol):
    """A person's profile, their introductions to colleagues, and their data (DSGVO)."""

    def get_person(self, person_id: int) -> Person | None: ...

    def people_with_user_id(self, user_id: str, platform: str | None = None) -> list[Person]: ...

    def people_named(self, name: str) -> list[Person]: ...

    def role_claims(self, platform: str) -> dict[str, str]: ...

    def set_interests(self, person_id: int, topics: list[str], now: str) -> None: ...

    def set_department(self, person_id: int, department: str | None, now: str) -> int: ...

    def set_matching(self, person_id: int, enabled: bool, now: str) -> None: ...

    def open_introduction(self, person_a: int, person_b: int) -> dict[str, Any] | None: ...

    def add_introduction(
        self, requester_id: int, target_id: int, idea_id: int | None, now: str
    ) -> int: ...

    def get_introduction(self, introduction_id: int) -> dict[str, Any] | None: ...

    def decline_introduction(self, introduction_id: int, person_id: int, now: str) -> None: ...

    def person_export(self, person_id: int, now: str) -> dict[str, Any]: ...

    def erase_person(
        self, person_id: int, now: str, *, mode: str = "delete", anonymous_label: str = "—"
    ) -> Erasure: ...


class QuestionRepository(Protocol):
    """Questions, their answers, where they were routed and who re-routed them."""

    def add_question(self, question: NewQuestion, now: str) -> Question: ...

    def get_question(self, question_id: int) -> Question | None: ...

    def set_question_embedding(self, question_id: int, blob: bytes, model: str) -> None: ...

    def offer_answer(self, question_id: int, now: str, *, answer_id: int) -> None: ...

    def route_question(
        self, question_id: int, target: str, confidence: float, reason: str, now: str
    ) -> None: ...

    def close_question(self, question_id: int, now: str, *, offer_helped: bool = False) -> None: ...

    def add_answer(self, question_id: int, responder_id: int, text: str, now: str) -> Answer: ...

    def add_reroute(
        self, question_id: int, person_id: int, from_target: str | None, to_target: str, now: str
    ) -> None: ...

    def reroute_examples(self) -> list[tuple[str, str]]: ...

    def known_answers(self, model: str) -> list[KnownAnswer]: ...


class PlanRepository(Protocol):
    """The city's plan: projects, goals and systems, as imported."""

    def plan_items(self, kind: str | None = None) -> list[PlanItem]: ...

    def set_plan_status(self, key: str, status: str, now: str) -> None: ...

    def project_status_changes(self, start: str, end: str) -> list[tuple[str, str, str]]: ...

    def set_plan_embedding(self, key: str, blob: bytes, model: str) -> None: ...

    def link_question_to_plan(
        self, question_id: int, key: str, owner: str | None, now: str
    ) -> None: ...

    def unlink_question_from_plan(
        self, question_id: int, owners: Sequence[str] | None = None
    ) -> None: ...

    def question_plan_links(self, question_id: int) -> list[PlanQuestionLink]: ...

    def questions_linked_to_owner(self, owners: Sequence[str]) -> list[PlanQuestionLink]: ...


class WebLoginRepository(Protocol):
    """The Lagebild's one-time links and sessions; the store keeps only their tokens' hashes."""

    def add_web_login(
        self, token_hash: str, kind: str, person_id: int, now: str, expires_at: str
    ) -> None: ...

    def delete_expired_web_logins(self, now: str) -> int: ...

    def redeem_web_link(self, token_hash: str, now: str) -> int | None: ...

    def end_web_session(self, token_hash: str) -> None: ...


class DigestRepository(Protocol):
    """The weekly digest's bookkeeping: which fire times it covered, whether each was sent,
    and the pairs of people it introduced (not suggested again for a while)."""

    def last_digest_run(self) -> dict[str, Any] | None: ...

    def record_digest_run(self, fire_time: str, kind: str, recipients: int, now: str) -> bool: ...

    def record_digest_introductions(self, pairs: list[tuple[int, int]], now: str) -> None: ...

    def mark_digest_sent(self, fire_time: str) -> bool: ...
