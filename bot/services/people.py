"""People: their interests, whether they may be suggested, and introductions to colleagues.

Interests and the opt-in feed the matcher's in-memory profiles, so those use cases record an
event; introductions are read from the store when needed and record none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain_events import InterestsChanged, MatchingChanged
from bot.uow import UnitOfWork
from knowledge.records import Person

MAX_INTERESTS = 20
MAX_INTEREST_LENGTH = 60

Introduced = Literal["requested", "self", "not_opted_in", "elsewhere", "already"]
Declined = Literal["declined", "not_found", "already_declined"]


@dataclass(frozen=True)
class Introduction:
    """What became of a request to be introduced; ``number``: the introduction asked for
    now ("requested"), or the one still open between the two ("already")."""

    outcome: Introduced
    number: int | None = None


@dataclass(frozen=True)
class Decline:
    """What became of declining an introduction; ``other_id``: who is to be told."""

    outcome: Declined
    other_id: int | None = None


def set_interests(uow: UnitOfWork, person: Person, topics: list[str], now: str) -> None:
    """A person's topics (none: cleared); ``!wer`` and the intake know them once committed."""
    uow.people.set_interests(person.id, topics, now)
    uow.record(InterestsChanged(person.id, tuple(topics)))
    if topics:
        uow.audit.audit(
            "person.interests", now, actor_id=person.id, subject_type="person", subject_id=person.id
        )


def set_department(uow: UnitOfWork, person: Person, department: str | None, now: str) -> int:
    """A person's own department (Matrix has no such field; trial 29's digest counted every
    idea "ohne Fachbereich"); how many of their earlier ideas got it too."""
    filled = uow.people.set_department(person.id, department, now)
    uow.audit.audit(
        "person.department", now, actor_id=person.id, subject_type="person", subject_id=person.id
    )
    return filled


def set_matching(uow: UnitOfWork, person: Person, enabled: bool, now: str) -> None:
    """Allow or stop being suggested to others."""
    uow.people.set_matching(person.id, enabled, now)
    uow.audit.audit(
        "person.matching",
        now,
        actor_id=person.id,
        subject_type="person",
        subject_id=person.id,
        detail="on" if enabled else "off",
    )
    uow.record(MatchingChanged(person.id, enabled))


def split_topics(text: str) -> list[str]:
    """``"E-Akte, Open Data; KI"`` -> ``["E-Akte", "Open Data", "KI"]``, without repeats."""
    topics: list[str] = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        topic = " ".join(part.split())
        if topic and topic.casefold() not in (t.casefold() for t in topics):
            topics.append(topic)
    return topics


def request_introduction(
    uow: UnitOfWork,
    requester: Person,
    target: Person,
    idea_id: int | None,
    now: str,
    *,
    platform: str,
) -> Introduction:
    """Ask to be introduced to ``target`` (about an idea of theirs, if ``idea_id``).

    Only people who allow it, and only on the ``platform`` the request comes from: the
    request is a direct message to them, which cannot reach another platform. One open
    request per pair, whoever asked first."""
    if target.id == requester.id:
        return Introduction("self")
    if not target.matching_opt_in:
        return Introduction("not_opted_in")
    if target.platform != platform:
        return Introduction("elsewhere")
    existing = uow.people.open_introduction(requester.id, target.id)
    if existing is not None:
        return Introduction("already", existing["id"])
    number = uow.people.add_introduction(requester.id, target.id, idea_id, now)
    uow.audit.audit(
        "introduction.requested",
        now,
        actor_id=requester.id,
        subject_type="introduction",
        subject_id=number,
    )
    return Introduction("requested", number)


def decline_introduction(uow: UnitOfWork, person: Person, number: int, now: str) -> Decline:
    """Either side may decline; to anybody else the introduction does not exist."""
    intro = uow.people.get_introduction(number)
    if intro is None or person.id not in (intro["requester_id"], intro["target_id"]):
        return Decline("not_found")
    if intro["status"] == "abgelehnt":
        return Decline("already_declined")
    uow.people.decline_introduction(number, person.id, now)
    uow.audit.audit(
        "introduction.declined",
        now,
        actor_id=person.id,
        subject_type="introduction",
        subject_id=number,
    )
    mine = person.id == intro["requester_id"]
    return Decline("declined", intro["target_id"] if mine else intro["requester_id"])
