"""Questions: ask, answer, re-route, close, and the asker's "did the earlier answer help?".

Who may act on a question is decided here, the same for every way in: the asker alone says
whether an offered answer helped; a role holder answers, re-routes or closes only questions
in their remit (``bot.questions.in_remit``), and nobody else does. A refusal is a value,
named like the text that explains it. What the asker and the role holders are then told is
the caller's to word and send: the services store, route and return what happened.

A question is stored before anything else happens, so none is lost when routing or the
offer of an earlier answer fails.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot import plans_questions
from bot.commands import STEWARDS
from bot.config import Settings
from bot.domain_events import QuestionRerouted
from bot.matcher import SimilarIdea
from bot.plans_questions import OwnerRoute
from bot.questions import Offer, QuestionDesk, in_remit
from bot.uow import UnitOfWork
from knowledge.questions import Answer, NewQuestion, Question
from knowledge.records import Person
from matching.routing import Route
from matching.vectors import to_blob

Refusal = Literal["not_found", "not_in_remit", "not_open", "closed_takes_no_answer"]
Judged = Literal["not_yours", "already_routed", "already_done", "helped"]


@dataclass(frozen=True)
class Routed:
    """Where a question went: the route (the router's, or the plan's for a system), the
    owner of the system or project it is about, and the question as stored now."""

    question: Question
    route: Route
    owner: OwnerRoute | None
    idea: SimilarIdea | None = None  # an idea proposing what the question asks about


@dataclass(frozen=True)
class Offered:
    """A stored question and an earlier answer that may answer it: the asker says whether
    it helped before anybody else is asked (``judge_offer``)."""

    question: Question
    offer: Offer


@dataclass(frozen=True)
class Answered:
    question: Question  # as it was before: "beantwortet" means this answer adds to one
    answer: Answer


@dataclass(frozen=True)
class Rerouted:
    question: Question  # as it was before, with the target it had
    current: Question  # routed to the new target


def ask_question(
    uow: UnitOfWork,
    settings: Settings,
    desk: QuestionDesk,
    asker: Person,
    text: str,
    now: str,
    *,
    platform: str,
    room: str | None = None,
    thread: str | None = None,
    event_id: str | None = None,
    directly: bool = False,
) -> Offered | Routed:
    """Store the question, offer an earlier answer if one fits, else route it."""
    question = uow.questions.add_question(
        NewQuestion(
            text=text.strip(),
            asker_id=asker.id,
            platform=platform,
            room=room,
            thread=thread,
            event_id=event_id,
            asked_directly=directly,
        ),
        now,
    )
    _audit(uow, "question.asked", now, asker, question)
    vector = desk.encode(question.text)
    if vector is not None and desk.encoder is not None:
        uow.questions.set_question_embedding(question.id, to_blob(vector), desk.encoder.name)
        offer = desk.find_earlier(uow.questions, question.text, vector, asker.department)
        if offer is not None:
            uow.questions.offer_answer(question.id, now, answer_id=offer.answer.answer.id)
            return Offered(question, offer)
        idea = desk.same_idea(uow.ideas, question.text, vector, asker.id)
        return replace(_route(uow, settings, desk, question, asker, now), idea=idea)
    return _route(uow, settings, desk, question, asker, now)


def judge_offer(
    uow: UnitOfWork,
    settings: Settings,
    desk: QuestionDesk,
    asker: Person,
    number: int,
    helped: bool,
    now: str,
) -> Judged | Routed:
    """The asker's verdict on the earlier answer offered: it helped (the question is closed),
    or it did not and the question is routed now, as if no answer had been offered."""
    question = uow.questions.get_question(number)
    if question is None or question.asker_id != asker.id:
        return "not_yours"
    if not question.awaits_feedback:
        return "already_routed" if question.is_open else "already_done"
    _audit(uow, "question.reused" if helped else "question.not_reused", now, asker, question)
    if helped:
        uow.questions.close_question(question.id, now, offer_helped=True)
        return "helped"
    return _route(uow, settings, desk, question, asker, now)


def question_to_idea(
    uow: UnitOfWork, asker: Person, number: int, now: str
) -> Question | Literal["not_yours", "not_open"]:
    """The asker's own open question, closed because it was meant as an idea: a message that
    ends in "?" reads as a question ("Warum kann das Telefon nicht am Laptop klingeln?").
    Returns it as it was; the caller stores its text as an idea in the same unit of work."""
    question = uow.questions.get_question(number)
    if question is None or question.asker_id != asker.id:
        return "not_yours"
    if not question.is_open:
        return "not_open"
    uow.questions.close_question(question.id, now)
    _audit(uow, "question.made_idea", now, asker, question)
    return question


def answer_question(
    uow: UnitOfWork, responder: Person, number: int, text: str, now: str
) -> Answered | Refusal:
    """An answer to a question in the responder's remit, open or answered before (a second
    answer adds to the first); it becomes knowledge offered to the next who asks the same.
    A question closed as done takes none: its asker was told so (trial 25: the owner
    answered "test" after the CIO had closed it, and it was kept for reuse)."""
    question = _in_remit(uow, responder, number, open_only=False, owner_may=True)
    if isinstance(question, str):
        return question
    if question.status == "geschlossen":
        return "closed_takes_no_answer"
    answer = uow.questions.add_answer(question.id, responder.id, text.strip(), now)
    _audit(uow, "question.answered", now, responder, question)
    return Answered(question, answer)


def reroute_question(
    uow: UnitOfWork, actor: Person, number: int, target: str, reason: str, now: str
) -> Rerouted | Refusal | Literal["same_target"]:
    """Pass an open question on to ``target`` ("cdo", "cio", "both"), ``reason`` stored with
    it; the router learns from it once committed, so similar questions go there at once.
    The plan's contact it went to may pass it on too, and then it is no longer theirs
    (trial 16: a contact sent a question about another project could only answer it); the
    router does not learn from them (trial 23: a contact, staff named in a CSV, changed the
    routing of everybody's questions)."""
    question = _in_remit(uow, actor, number, open_only=True, owner_may=True)
    if isinstance(question, str):
        return question
    if actor.role not in STEWARDS:
        uow.plans.unlink_question_from_plan(question.id, [actor.platform_user_id])
    elif question.target == target and question.routed_at is not None:
        return "same_target"
    teaches = actor.role in STEWARDS
    if teaches:
        uow.questions.add_reroute(question.id, actor.id, question.target, target, now)
    uow.questions.route_question(question.id, target, 1.0, reason, now)
    _audit(uow, "question.rerouted", now, actor, question, detail=f"{question.target}->{target}")
    if teaches:
        uow.record(QuestionRerouted(question.id, question.text, target))
    return Rerouted(question, _current(uow, question))


def close_question(uow: UnitOfWork, actor: Person, number: int, now: str) -> Question | Refusal:
    """Close an open question that needs no answer here (settled by phone, asked twice, out
    of scope): it leaves the open list and the reminders. Returns it as it was."""
    question = _in_remit(uow, actor, number, open_only=True)
    if isinstance(question, str):
        return question
    uow.questions.close_question(question.id, now)
    _audit(uow, "question.closed", now, actor, question)
    return question


def _route(
    uow: UnitOfWork,
    settings: Settings,
    desk: QuestionDesk,
    question: Question,
    actor: Person,
    now: str,
) -> Routed:
    # the router's role, and the owner of a system or project the question is about
    route, reason, owner = plans_questions.route_question(
        uow.plans, uow.people, settings, desk, question, now
    )
    target = staffed(settings, route.target)
    uow.questions.route_question(question.id, target, route.confidence, reason, now)
    _audit(uow, "question.routed", now, actor, question, detail=target)
    return Routed(_current(uow, question), route, owner)


def staffed(settings: Settings, target: str) -> str:
    """A question for a role that nobody holds, with no admin to stand in, goes to both roles
    where the other one is held: it reaches somebody who coordinates the digital work and can
    answer it or pass it on (trial 32: four questions for a CIO nobody held reached nobody,
    and the CDO never saw them). The asker reads where it went (``asker_notice``)."""
    if target == "both" or settings.questions.triage_room:
        return target
    if settings.holders(target) or settings.holders("admin"):
        return target
    other = "cio" if target == "cdo" else "cdo"
    return "both" if settings.holders(other) else target


def _in_remit(
    uow: UnitOfWork, person: Person, number: int, *, open_only: bool, owner_may: bool = False
) -> Question | Refusal:
    """The question a role holder acts on, or why they cannot: unknown, another role's (or
    the person holds no role: the chat refuses them before, other ways in may not), or
    (``open_only``) no longer open. ``owner_may``: the plan owner the question went to may
    act on it too: answer it, or pass it on to the roles when it is not theirs."""
    question = uow.questions.get_question(number)
    if question is None:
        return "not_found"
    steward = person.role in STEWARDS and in_remit(person.role, question)
    owner = (
        owner_may
        and question.routed_at is not None
        and plans_questions.owns_question(uow.plans, uow.people, person, question.id)
    )
    if not (steward or owner):
        return "not_in_remit"
    if open_only and not question.is_open:
        return "not_open"
    return question


def _current(uow: UnitOfWork, question: Question) -> Question:
    current = uow.questions.get_question(question.id)
    assert current is not None  # changed in this transaction, so still there
    return current


def _audit(
    uow: UnitOfWork,
    action: str,
    now: str,
    actor: Person,
    question: Question,
    *,
    detail: str | None = None,
) -> None:
    uow.audit.audit(
        action, now, actor_id=actor.id, subject_type="question", subject_id=question.id,
        detail=detail,
    )  # fmt: skip
