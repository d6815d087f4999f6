"""The example town with the real model: a newcomer's first idea meets it, and it goes whole.

Matching is what the examples are for, so these tests use the real embedding model; the
texts a newcomer types are written apart from the town's ideas, not copied from them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import demo
from bot.config import Settings
from bot.core import Bot
from bot.digest_build import digest_for
from bot.events import Message, Reply, Sender
from bot.questions import QuestionDesk
from bot.semantic import SemanticMatcher
from knowledge.store import Store
from matching.encoder import SentenceEncoder
from tests.conftest import FakeClock

pytestmark = pytest.mark.model

NEWCOMER = Sender("neu", "Nora Neumann", "Fachbereich Soziales")


@dataclass
class Town:
    store: Store
    matcher: SemanticMatcher
    bot: Bot
    clock: FakeClock
    events: Iterator[int]

    def load(self) -> demo.Loaded:
        return demo.load_demo(self.store, self.matcher, self.clock(), bus=self.bot.bus)

    def remove(self) -> demo.Removed:
        return demo.remove_demo(self.store, self.bot.bus, self.clock())

    def say(self, text: str, who: Sender = NEWCOMER) -> list[Reply]:
        message = Message("console", f"ev{next(self.events)}", who, text, room="konsole")
        return self.bot.handle(message, idea_room=True)

    def text(self, text: str, who: Sender = NEWCOMER) -> str:
        return "\n\n".join(reply.text for reply in self.say(text, who))

    def count(self, sql: str, *values: object) -> int:
        return int(self.store.db.execute(sql, values).fetchone()[0])

    def idea_number(self, key: str) -> int:
        """The number the example idea ``key`` got (numbers are issued as for any idea)."""
        row = self.store.db.execute(
            "SELECT id FROM ideas WHERE import_key = ?", (demo.KEY_PREFIX + key,)
        ).fetchone()
        assert row is not None, key
        return int(row[0])


@pytest.fixture
def town(store: Store, encoder: SentenceEncoder, clock: FakeClock, tmp_path: Path) -> Town:
    settings = Settings(data_dir=tmp_path / "data")
    matcher = SemanticMatcher(encoder, clock=clock)
    matcher.load(store)
    desk = QuestionDesk(encoder=encoder, ideas=matcher)
    bot = Bot(store, settings, matcher=matcher, questions=desk, clock=clock)
    return Town(store, matcher, bot, clock, itertools.count(1))


def test_the_town_file_is_shipped_whole_and_consistent() -> None:
    town = demo.load_town()
    assert town.name == "Musterstadt"
    assert 8 <= len(town.people) <= 10 and 25 <= len(town.ideas) <= 35
    assert 3 <= len(town.questions) <= 5
    with pytest.raises(demo.TownError, match="unknown people: nobody"):
        demo.load_town(
            'town = "X"\nmarker = "B"\n[[ideas]]\nkey = "a"\nauthor = "nobody"\ntext = "t"'
        )


def test_loading_twice_adds_nothing_twice(town: Town) -> None:
    first = town.load()
    shipped = demo.load_town()
    assert (first.people, first.ideas, first.questions) == (
        len(shipped.people),
        len(shipped.ideas),
        len(shipped.questions),
    )
    assert first.supports == sum(len(i.supporters) for i in shipped.ideas)
    second = town.load()
    assert second.nothing
    assert town.count("SELECT COUNT(*) FROM ideas") == len(shipped.ideas)
    assert town.count("SELECT COUNT(*) FROM questions") == len(shipped.questions)
    assert town.count("SELECT COUNT(*) FROM answers") == len(shipped.questions)
    assert town.count("SELECT COUNT(*) FROM people") == len(shipped.people)
    assert town.count("SELECT COUNT(*) FROM supports") == first.supports
    assert len(town.matcher.engine) == len(shipped.ideas)  # each idea encoded once


def test_every_example_is_marked_and_can_be_met(town: Town) -> None:
    town.load()
    people = demo.demo_people(town.store)
    assert people and all(p.platform == demo.DEMO_PLATFORM for p in people)
    assert all(p.display_name.endswith("(Beispiel)") and p.matching_opt_in for p in people)
    assert all(p.role == "staff" for p in people)  # a title in the name, never a role's rights
    assert all(town.store.interests(p.id) for p in people)
    ideas = town.store.ideas()
    assert all(i.author_name and i.author_name.endswith("(Beispiel)") for i in ideas)
    assert town.count("SELECT COUNT(*) FROM ideas WHERE embedding IS NULL") == 0
    assert town.count("SELECT COUNT(*) FROM questions WHERE embedding IS NULL") == 0
    assert town.count("SELECT COUNT(*) FROM questions WHERE status <> 'beantwortet'") == 0


def test_a_newcomers_first_idea_meets_the_example_idea_and_colleagues(town: Town) -> None:
    town.load()
    appointments = town.idea_number("termine-online")
    reply = town.text("!idee Bürgerinnen und Bürger sollten Termine im Bürgerbüro online buchen")
    assert f"**#{appointments}** Termine im Bürgerbüro online buchen" in reply, reply
    assert "Jana Schulz (Beispiel) (Bürgerbüro)" in reply
    files = town.text("Papierakten sollten durch eine elektronische Akte ersetzt werden")
    assert f"**#{town.idea_number('e-akte-hauptamt')}**" in files, files
    assert "Markus Köhler (Beispiel)" in files


def test_wer_finds_an_example_colleague_for_an_example_theme(town: Town) -> None:
    town.load()
    found = town.text("!wer E-Akte")
    assert found.splitlines()[2].startswith("• Markus Köhler (Beispiel) (Hauptamt)"), found
    assert "Petra Lange (Beispiel)" in town.text("!wer Tablets")


def test_an_example_answer_is_offered_to_a_newcomers_question(town: Town) -> None:
    town.load()
    reply = town.text("!frage Wie komme ich an einen zweiten Monitor?")
    assert "Stefan Richter, CIO (Beispiel)" in reply and "IT-Serviceportal" in reply, reply


def test_removal_leaves_no_example_person_idea_support_question_or_vector(town: Town) -> None:
    town.load()
    appointments = town.idea_number("termine-online")
    # a newcomer gets involved with the examples before they are removed
    town.say(f"!unterstuetzen {appointments}")
    town.say(f"!vernetzen {appointments}")
    town.say("!idee Termine im Bürgerbüro sollte man online buchen können")
    town.say("!frage Wie komme ich an einen zweiten Monitor?")
    [own] = [i for i in town.store.ideas() if i.author_name == NEWCOMER.display_name]

    removed = town.remove()

    shipped = demo.load_town()
    assert (removed.people, len(removed.ideas), removed.questions) == (
        len(shipped.people),
        len(shipped.ideas),
        len(shipped.questions),
    )
    platform = demo.DEMO_PLATFORM
    assert town.count("SELECT COUNT(*) FROM people WHERE platform = ?", platform) == 0
    assert town.count("SELECT COUNT(*) FROM ideas WHERE source_platform = ?", platform) == 0
    assert town.count("SELECT COUNT(*) FROM supports") == 0  # hers went with the idea
    assert town.count("SELECT COUNT(*) FROM interests") == 0
    assert town.count("SELECT COUNT(*) FROM introductions") == 0
    assert town.count("SELECT COUNT(*) FROM answers") == 0
    assert town.count("SELECT COUNT(*) FROM questions WHERE source_platform = ?", platform) == 0
    marks = ",".join("?" for _ in removed.ideas)
    assert town.count(f"SELECT COUNT(*) FROM ideas WHERE id IN ({marks})", *removed.ideas) == 0
    # what is real stays: the newcomer, her idea with its vector, her question
    [left] = town.store.ideas()
    assert left.id == own.id
    assert town.count("SELECT COUNT(*) FROM ideas WHERE embedding IS NOT NULL") == 1
    assert town.store.find_person("console", NEWCOMER.user_id) is not None
    assert town.count("SELECT COUNT(*) FROM questions") == 1
    # and the running bot forgot the examples at once
    assert not any(idea in town.matcher.engine for idea in removed.ideas)
    assert "(Beispiel)" not in town.text("!idee Online-Termine für das Bürgerbüro")
    assert "(Beispiel)" not in town.text("!wer E-Akte")
    assert town.remove().people == 0  # a second removal finds nothing
    assert town.load().ideas == len(shipped.ideas)  # and the examples can come back


def test_the_digest_introduces_no_real_person_to_an_example_one(town: Town) -> None:
    """Trial 26: the CDO's digest suggested contacts with example people, who can never be
    introduced; the example people among themselves still show what the section does."""
    town.load()
    town.say("!interessen E-Akte, Digitalisierung", NEWCOMER)
    town.say("!matching an", NEWCOMER)
    town.say("!idee Papierakten im Sozialamt durch die elektronische Akte ersetzen", NEWCOMER)
    digest = digest_for(town.store, town.bot.settings, town.clock(), town.matcher, days=60)
    pairs = [(i.name_a, i.name_b) for i in digest.introductions]
    assert pairs, "the example people are still introduced to each other"
    for a, b in pairs:
        assert ("(Beispiel)" in a) == ("(Beispiel)" in b), (a, b)
