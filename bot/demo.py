"""Example data of a fictional town, so that a newcomer's first idea meets somebody.

Alone with an empty store, a newcomer posts two similar ideas and sees nothing: one's own
ideas are never suggested. The example town (``demo_town.toml``, Musterstadt) gives the first
idea colleagues' ideas, answered questions and people to meet.

How the examples are kept apart from real data:

- Marked. Example people live on the platform ``demo``, which no adapter serves: nobody can
  write as them and no real user id can collide with theirs. Their names end in "(Beispiel)",
  so every reply, digest and search result that names them or their ideas says so.
- Loaded like real data, through the store and the matcher the bot uses: numbers are issued
  as usual, vectors are computed and stored, so matching, ``!wer`` and the reuse of answers
  work on them exactly as on real ideas. Loading twice adds nothing twice.
- Removed in one step, by the erasure of ``!vergiss-mich`` (mode "delete", whatever the
  configured mode): each example person goes with their ideas, supports, interests,
  questions, answers, introductions and vectors. Supports real people gave to example ideas
  go with the ideas; real ideas stay. Numbers are never issued twice, so after a removal the
  next idea does not reuse an example's number.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import numpy as np

from bot import services
from bot.clock import iso
from bot.domain_events import InterestsChanged, MatchingChanged
from bot.semantic import SemanticMatcher
from bot.statuses import Status, parse_status
from bot.uow import EventBus, UnitOfWork
from knowledge.questions import NewQuestion
from knowledge.records import DEMO_PLATFORM, NewIdea, Person
from knowledge.store import Store
from matching.vectors import to_blob

TOWN_FILE = "demo_town.toml"
KEY_PREFIX = "demo:"  # import keys of example ideas: what makes loading idempotent


@dataclass(frozen=True)
class TownPerson:
    key: str  # their user id on the demo platform
    name: str
    department: str
    interests: tuple[str, ...] = ()


@dataclass(frozen=True)
class TownIdea:
    key: str
    author: str
    text: str
    days_ago: int = 0
    status: Status = Status.NEW
    supporters: tuple[str, ...] = ()


@dataclass(frozen=True)
class TownQuestion:
    asker: str
    text: str
    target: str
    reason: str
    answered_by: str
    answer: str
    days_ago: int = 0


@dataclass(frozen=True)
class Town:
    name: str
    marker: str  # appended to every example person's name, e.g. "Jana Schulz (Beispiel)"
    people: tuple[TownPerson, ...]
    ideas: tuple[TownIdea, ...]
    questions: tuple[TownQuestion, ...]

    def display_name(self, person: TownPerson) -> str:
        return f"{person.name} ({self.marker})"


class TownError(ValueError):
    """The example data file contradicts itself (a key used twice, an unknown person)."""


def load_town(text: str | None = None) -> Town:
    """The example town shipped with the package (or parsed from ``text``), checked."""
    if text is None:
        text = resources.files("bot").joinpath(TOWN_FILE).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    town = Town(
        name=raw["town"],
        marker=raw["marker"],
        people=tuple(_person(p) for p in raw.get("people", [])),
        ideas=tuple(_idea(i) for i in raw.get("ideas", [])),
        questions=tuple(TownQuestion(**q) for q in raw.get("questions", [])),
    )
    _check(town)
    return town


def _person(raw: dict[str, Any]) -> TownPerson:
    return TownPerson(**{**raw, "interests": tuple(raw.get("interests", ()))})


def _idea(raw: dict[str, Any]) -> TownIdea:
    status = parse_status(raw.get("status", Status.NEW))
    return TownIdea(**{**raw, "status": status, "supporters": tuple(raw.get("supporters", ()))})


def _check(town: Town) -> None:
    people = [p.key for p in town.people]
    ideas = [i.key for i in town.ideas]
    for kind, keys in (("person", people), ("idea", ideas)):
        twice = {k for k in keys if keys.count(k) > 1}
        if twice:
            raise TownError(f"{kind} keys used twice: {', '.join(sorted(twice))}")
    named = {i.author for i in town.ideas} | {s for i in town.ideas for s in i.supporters}
    named |= {q.asker for q in town.questions} | {q.answered_by for q in town.questions}
    unknown = named - set(people)
    if unknown:
        raise TownError(f"unknown people: {', '.join(sorted(unknown))}")


# -- loading ----------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What a load added; all zero when the examples were there already."""

    town: str
    people: int = 0
    ideas: int = 0
    supports: int = 0
    questions: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.people or self.ideas or self.supports or self.questions)


def load_demo(
    store: Store,
    matcher: SemanticMatcher,
    now: datetime,
    town: Town | None = None,
    bus: EventBus | None = None,
) -> Loaded:
    """Add the example town's people, ideas, supports and answered questions.

    Idempotent: people are found by their key, ideas by their import key and questions by
    their asker and text, so a second load (or one after an interrupted first) adds only what
    is missing. Everything is written in one unit of work (its events go to ``bus``); the
    ideas are encoded afterwards, outside it (an interrupted encoding is caught up by the next
    start, like an import)."""
    town = town or load_town()
    stamp = iso(now)
    question_vectors = matcher.encoder.encode([q.text for q in town.questions])
    loaded = Loaded(town.name)
    with UnitOfWork(store, bus) as uow:
        people = {p.key: _upsert_person(uow, town, p, stamp, loaded) for p in town.people}
        fresh = []
        for idea in town.ideas:
            key = KEY_PREFIX + idea.key
            if store.has_import_key(key):
                continue
            author = people[idea.author]
            added = store.add_idea(
                NewIdea(
                    text=idea.text,
                    author_id=author.id,
                    department=author.department,
                    status=idea.status,
                    source_platform=DEMO_PLATFORM,
                    import_key=key,
                    created_at=iso(now - timedelta(days=idea.days_ago)),
                ),
                stamp,
            )
            fresh.append(added)
            loaded.ideas += 1
            for days, supporter in enumerate(idea.supporters, start=1):
                # a day apart after the idea, so the digest's trend is not one burst "now"
                supported = iso(min(now, now - timedelta(days=idea.days_ago - days)))
                loaded.supports += store.add_support(added.id, people[supporter].id, supported)
        for question, vector in zip(town.questions, question_vectors, strict=True):
            loaded.questions += _add_question(store, people, question, now, vector, matcher)
        if not loaded.nothing:
            store.audit(
                "demo.loaded",
                stamp,
                detail=f"people={loaded.people} ideas={loaded.ideas} questions={loaded.questions}",
            )
    if fresh:
        matcher.encode_ideas(store, fresh)
    return loaded


def _upsert_person(
    uow: UnitOfWork, town: Town, person: TownPerson, stamp: str, loaded: Loaded
) -> Person:
    store = uow.store
    existing = store.find_person(DEMO_PLATFORM, person.key)
    stored = store.upsert_person(
        DEMO_PLATFORM, person.key, town.display_name(person), stamp, department=person.department
    )
    if existing is None:
        loaded.people += 1
    if not stored.matching_opt_in:  # examples are there to be met
        store.set_matching(stored.id, True, stamp)
        uow.record(MatchingChanged(stored.id, True))
    if store.interests(stored.id) != list(person.interests):
        store.set_interests(stored.id, list(person.interests), stamp)
        uow.record(InterestsChanged(stored.id, tuple(person.interests)))
    found = store.find_person(DEMO_PLATFORM, person.key)
    assert found is not None
    return found


def _add_question(
    store: Store,
    people: dict[str, Person],
    question: TownQuestion,
    now: datetime,
    vector: np.ndarray,
    matcher: SemanticMatcher,
) -> int:
    """An asked, routed and answered question: reusable knowledge like any answered one."""
    asker = people[question.asker]
    if any(q.text == question.text for q in store.questions_of(asker.id, limit=1000)):
        return 0
    asked = iso(now - timedelta(days=question.days_ago))
    answered = iso(now - timedelta(days=question.days_ago) + timedelta(hours=3))
    added = store.add_question(
        NewQuestion(text=question.text, asker_id=asker.id, platform=DEMO_PLATFORM), asked
    )
    store.set_question_embedding(added.id, to_blob(vector), matcher.encoder.name)
    store.route_question(added.id, question.target, 1.0, question.reason, asked)
    store.add_answer(added.id, people[question.answered_by].id, question.answer, answered)
    return 1


# -- removal ----------------------------------------------------------------------------------


@dataclass
class Removed:
    people: int = 0
    ideas: list[int] = field(default_factory=list)
    questions: int = 0


def demo_people(store: Store, town: Town | None = None) -> list[Person]:
    """Every example person in the store: those of the town file and any other on the demo
    platform (an older town file may have had people the current one lacks)."""
    town = town or load_town()
    found = {p.id: p for p in store.opted_in_people() if p.platform == DEMO_PLATFORM}
    for person in town.people:
        stored = store.find_person(DEMO_PLATFORM, person.key)
        if stored is not None:
            found[stored.id] = stored
    return sorted(found.values(), key=lambda p: p.id)


def remove_demo(
    store: Store, bus: EventBus | None, now: datetime, town: Town | None = None
) -> Removed:
    """Erase every example person with all they brought, in one unit of work.

    ``bus``: the running bot's (``Bot.bus``), whose index forgets the examples at once; None
    where no bot runs (the command line), as the next start loads only what is stored.
    """
    removed = Removed()
    stamp = iso(now)
    with UnitOfWork(store, bus) as uow:
        people = demo_people(store, town)
        for person in people:
            erasure = services.erase_person(uow, person, stamp, mode="delete")
            removed.ideas += erasure.deleted_ideas
            removed.questions += len(erasure.deleted_questions)
        removed.people = len(people)
        if people:
            store.audit(
                "demo.removed",
                stamp,
                detail=f"people={removed.people} ideas={len(removed.ideas)}"
                f" questions={removed.questions}",
            )
    return removed


def is_empty(store: Store) -> bool:
    """No idea at all yet: the first start, when the console offers the examples."""
    with store.transaction():
        return store.count_ideas() == 0


# -- the console's own command ----------------------------------------------------------------

REMOVE_WORDS = {"entfernen", "remove", "loeschen", "löschen", "weg"}
TEXTS = {
    "de": {
        "loaded": (
            "Die Beispiele der erfundenen Stadt {town} sind da: {people} Kolleginnen und "
            "Kollegen, {ideas} Ideen und {questions} beantwortete Fragen. Alle Beispielpersonen "
            "tragen „(Beispiel)“ im Namen.\n\n"
            "Probieren Sie es aus:\n"
            "• `!idee Termine im Bürgerbüro sollte man online buchen können`\n"
            "• `!wer E-Akte`\n"
            "• `!frage Wie bekomme ich einen zweiten Bildschirm?`\n\n"
            "Wieder entfernen: `!beispiele entfernen`"
        ),
        "already": (
            "Die Beispiele von {town} sind schon da. Wieder entfernen: `!beispiele entfernen`"
        ),
        "removed": (
            "Die Beispiele von {town} sind entfernt: {people} Personen mit {ideas} Ideen und "
            "{questions} Fragen. Ihre eigenen Ideen und Fragen bleiben."
        ),
        "none": "Es sind keine Beispiele geladen. Laden mit `!beispiele`.",
        "usage": "`!beispiele` lädt Beispiele zum Ausprobieren, `!beispiele entfernen` nimmt "
        "sie wieder heraus.",
        "hint": (
            "Noch ist alles leer. Zum Ausprobieren lädt `!beispiele` Ideen, Fragen und "
            "Kolleginnen und Kollegen der erfundenen Stadt {town}; `!beispiele entfernen` "
            "nimmt sie wieder heraus."
        ),
    },
    "en": {
        "loaded": (
            "The examples of the fictional town of {town} are here: {people} colleagues, "
            "{ideas} ideas and {questions} answered questions. Every example person has "
            "“(Beispiel)” in their name.\n\n"
            "Try (the town speaks German):\n"
            "• `!idea Termine im Bürgerbüro sollte man online buchen können`\n"
            "• `!who E-Akte`\n"
            "• `!ask Wie bekomme ich einen zweiten Bildschirm?`\n\n"
            "Remove them again: `!examples remove`"
        ),
        "already": "The examples of {town} are already here. Remove them: `!examples remove`",
        "removed": (
            "The examples of {town} are removed: {people} people with {ideas} ideas and "
            "{questions} questions. Your own ideas and questions stay."
        ),
        "none": "No examples are loaded. Load them with `!examples`.",
        "usage": "`!examples` loads examples to try things out, `!examples remove` removes them.",
        "hint": (
            "Nothing here yet. To try things out, `!examples` loads ideas, questions and "
            "colleagues of the fictional town of {town}; `!examples remove` removes them."
        ),
    },
}


def text(language: str, key: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["de"])[key].format(**values)
