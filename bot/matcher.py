"""The port through which the core asks for matches: similar ideas and fitting colleagues.

Handlers call a ``Matcher`` after the store has the facts; the semantic implementation
(``bot.semantic``) keeps its in-memory index in step from committed domain events
(``KeepsCurrent``), which the bot subscribes it to. ``NoMatcher`` is for deployments and
tests without a model: ideas are stored, nothing is suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from knowledge.records import Idea, Person
from knowledge.store import Store


@dataclass(frozen=True)
class SimilarIdea:
    idea: Idea
    score: float
    reason: str
    duplicate: bool = False


@dataclass(frozen=True)
class Colleague:
    person: Person
    reason: str


@dataclass(frozen=True)
class Suggestions:
    similar: tuple[SimilarIdea, ...] = ()
    colleagues: tuple[Colleague, ...] = ()


@dataclass(frozen=True)
class IdeaVector:
    """A new idea's vector as the store keeps it, and the model that made it."""

    model: str
    blob: bytes


class Matcher(Protocol):
    def encode_idea(self, idea: Idea) -> IdeaVector | None:
        """The new idea's vector for the store (None without a model). Kept for ``suggest``
        and for the index, which learns the idea once it is committed."""
        ...

    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        """What to show the author of a new idea; reads only."""
        ...

    def who(
        self, store: Store, topic: str, asker: Person, limit: int, *, also: tuple[str, ...] = ()
    ) -> list[Colleague]:
        """Opted-in colleagues who work on ``topic`` (or on ``also``, its other names)."""
        ...

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        """The similarity score of two known ideas (None if either is not indexed)."""
        ...


@runtime_checkable
class KeepsCurrent(Protocol):
    """A matcher with in-memory state: told of every committed domain event."""

    def committed(self, event: object) -> None: ...


class NoMatcher:
    def encode_idea(self, idea: Idea) -> IdeaVector | None:
        return None

    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        return Suggestions()

    def who(
        self, store: Store, topic: str, asker: Person, limit: int, *, also: tuple[str, ...] = ()
    ) -> list[Colleague]:
        return []

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        return None
