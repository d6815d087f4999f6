"""The seam where matching plugs into idea intake.

The idea handler asks an ``Intake`` for suggestions after it has stored an idea. The default
finds nothing; the semantic implementation lives beside it and uses ``matching/``.
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


class Intake(Protocol):
    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        """Learn the new idea and return what to show its author."""
        ...


class NoIntake:
    """Used where no matching is configured: the idea is stored, nothing is suggested."""

    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        return Suggestions()
