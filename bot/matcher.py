"""The port through which the core asks for matches: similar ideas and fitting colleagues.

Handlers call a ``Matcher`` after the store has the facts; the semantic implementation
(``bot.semantic``) keeps its in-memory index in step through these calls. ``NoMatcher`` is for
deployments and tests without a model: ideas are stored, nothing is suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


class Matcher(Protocol):
    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        """Learn the new idea and return what to show its author."""
        ...

    def who(self, store: Store, topic: str, asker: Person, limit: int) -> list[Colleague]:
        """Opted-in colleagues who work on ``topic``."""
        ...

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        """The similarity score of two known ideas (None if either is not indexed)."""
        ...

    def forget(self, idea_ids: list[int]) -> None:
        """Ideas merged away or deleted: never suggest them again."""
        ...

    def person_changed(self, person_id: int) -> None:
        """Interests, opt-in or ideas of a person changed: their profile is stale."""
        ...


class NoMatcher:
    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        return Suggestions()

    def who(self, store: Store, topic: str, asker: Person, limit: int) -> list[Colleague]:
        return []

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        return None

    def forget(self, idea_ids: list[int]) -> None:
        pass

    def person_changed(self, person_id: int) -> None:
        pass
