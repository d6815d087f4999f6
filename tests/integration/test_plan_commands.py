"""`!system` with the real model: a word that names no system finds it by meaning, as the
routing of a question with that word does, and only above the same calibrated threshold.

A CDO of another town tried it blind on her own plan (tests/fixtures/other-town-plan.csv
rebuilds it): `!system Einwohnerprogramm` and `!system Stempeluhr` answered „kenne ich
nicht“ while a question with those words reached the system's owner."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.app import bootstrap
from bot.config import Settings
from bot.events import Message, Reply, Sender
from bot.plans_import import import_plan, read_plan
from knowledge.open import open_store
from matching.encoder import SentenceEncoder
from tests.conftest import FakeClock
from tests.fakes import CachingEncoder

pytestmark = pytest.mark.model

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OTHER_TOWN = FIXTURES / "other-town-plan.csv"
SPRINGE = Path(__file__).resolve().parents[2] / "deploy" / "springe-plan.csv"

Ask = Callable[[str], list[Reply]]


@pytest.fixture(scope="module")
def cached(encoder: SentenceEncoder) -> CachingEncoder:
    return CachingEncoder(encoder)


def town_of(plan: Path, data: Path, encoder: CachingEncoder) -> tuple[Ask, Callable[[], None]]:
    store = open_store(data)
    clock = FakeClock()
    report = import_plan(store, read_plan(plan), clock().isoformat())
    assert not report.errors
    settings = Settings(data_dir=data, roles={"cdo-user": "cdo", "cio-user": "cio"})
    bot = bootstrap(settings, store=store, encoder=encoder, clock=clock).bot
    events = itertools.count(1)

    def ask(text: str) -> list[Reply]:
        message = Message("console", f"ev{next(events)}", Sender("anna", "Anna", "FD 20"), text)
        return bot.handle(message, idea_room=True)

    return ask, store.close


@pytest.fixture
def other_town(tmp_path: Path, cached: CachingEncoder) -> Iterator[Ask]:
    ask, close = town_of(OTHER_TOWN, tmp_path / "data", cached)
    yield ask
    close()


def test_a_word_for_a_system_finds_it_by_meaning_and_says_it_is_a_guess(other_town: Ask):
    [reply] = other_town("!system Einwohnerprogramm")
    assert reply.text.startswith(
        "Einen System-Namen „Einwohnerprogramm“ kenne ich nicht; vom Inhalt her passt am "
        "ehesten:\n\n**System SYS-EWO: Einwohnermeldewesen**"
    )


def test_a_system_command_knows_what_the_routing_of_a_question_knows(other_town: Ask):
    replies = other_town("!frage Die Stempeluhr am Eingang zeigt falsche Zeiten")
    assert "„Zeiterfassung“ (SYS-ZEIT)" in replies[0].text
    assert any(r.direct_to == "birgit" for r in replies)  # the system's owner
    [reply] = other_town("!system Stempeluhr")
    assert reply.text.startswith(
        "Einen System-Namen „Stempeluhr“ kenne ich nicht; vom Inhalt her passt am ehesten:"
    )
    assert "**System SYS-ZEIT: Zeiterfassung**" in reply.text


@pytest.mark.parametrize("word", ["Kantine", "Drucker", "Bauhof"])
def test_a_word_no_system_means_is_unknown_and_points_to_the_list(other_town: Ask, word: str):
    """Below the threshold nothing is guessed; nor for an office ("Bauhof" came close to the
    building permit system by its letters alone)."""
    [reply] = other_town(f"!system {word}")
    assert reply.text.startswith(f"Ein System „{word}“ kenne ich nicht.")
    assert "alle Systeme zeigt `!system`" in reply.text


def test_names_and_words_still_come_before_meaning(other_town: Ask):
    [named] = other_town("!system Zeiterfassung")
    assert named.text.startswith("**System SYS-ZEIT: Zeiterfassung**")
    [word] = other_town("!system Gleitzeitkonten")  # in the description: no guess
    assert word.text.startswith("Ein System mit dem Namen „Gleitzeitkonten“ gibt es nicht, aber")


def test_the_example_plan_finds_its_registration_system_by_meaning(
    tmp_path: Path, cached: CachingEncoder
):
    ask, close = town_of(SPRINGE, tmp_path / "data", cached)
    try:
        [reply] = ask("!system Einwohnerprogramm")
    finally:
        close()
    assert "vom Inhalt her passt am ehesten:\n\n**System S-8: Einwohnermeldewesen**" in reply.text


def test_who_with_nobody_points_to_the_project_the_topic_means(
    tmp_path: Path, cached: CachingEncoder
) -> None:
    """Trial 29: `!wer Homeoffice` knew nobody and did not point to "Mobiles Arbeiten"."""
    ask, close = town_of(SPRINGE, tmp_path / "data", cached)
    try:
        [home] = ask("!wer Homeoffice")
        assert "Vom Inhalt her passt dieses Projekt" in home.text
        assert "!projekte P-12" in home.text  # "Mobiles Arbeiten und Digitalschulungen"
        for unrelated in ("Kantine", "Drucker", "Urlaub", "Bauhof"):
            [reply] = ask(f"!wer {unrelated}")
            assert "!projekte" not in reply.text, (unrelated, reply.text)
    finally:
        close()
