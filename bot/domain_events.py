"""What happened, told after the unit of work committed, to whoever keeps its own copy.

Use cases record these on the unit of work (``bot.uow``) while they run; the unit of work
hands them to subscribers only once the transaction is on disk, so nobody acts on a change
that was rolled back, and no handler keeps an in-memory copy current by hand. The copies:
the similarity index and the people profiles (``bot.semantic``), the router's learnt
re-routings (``bot.questions.QuestionDesk``); adapters subscribe for what they store outside
the database (files in the console's outbox, the Matrix state).

Events carry ids and plain values, never records: a subscriber must not need the store
(it runs after the commit, outside the lock) to act on one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdeaPosted:
    """A new idea is stored (and, where a matcher encoded it, its vector too)."""

    idea_id: int
    author_id: int | None


@dataclass(frozen=True)
class IdeaEdited:
    """The author changed an idea's text (and, where a matcher encoded it, its vector)."""

    idea_id: int
    author_id: int | None


@dataclass(frozen=True)
class IdeaStatusChanged:
    idea_id: int
    old: str
    new: str


@dataclass(frozen=True)
class IdeasMerged:
    """``source_id`` lives on in ``target_id``: it is never suggested again."""

    source_id: int
    target_id: int
    source_author_id: int | None


@dataclass(frozen=True)
class IdeasDeleted:
    """Ideas are gone from the store (retention); ``people``: whose data went with them."""

    idea_ids: tuple[int, ...]
    people: tuple[int, ...] = ()


@dataclass(frozen=True)
class InterestsChanged:
    person_id: int
    topics: tuple[str, ...]


@dataclass(frozen=True)
class MatchingChanged:
    """A person allowed (or stopped) being suggested to others."""

    person_id: int
    enabled: bool


@dataclass(frozen=True)
class PersonErased:
    """``!vergiss-mich`` (or the examples removed): the person's profile is gone, and in
    "delete" mode their ideas (``deleted_ideas``) too."""

    platform: str
    user_id: str
    person_id: int | None = None
    deleted_ideas: tuple[int, ...] = ()


@dataclass(frozen=True)
class QuestionRerouted:
    """A role holder passed a question on: similar questions go to ``target`` from now on."""

    question_id: int
    text: str
    target: str


@dataclass(frozen=True)
class ReroutingsForgotten:
    """Re-routed questions were deleted (an erasure); ``kept``: the re-routings still stored,
    as (text, target), which the router is trained on afresh."""

    kept: tuple[tuple[str, str], ...]
