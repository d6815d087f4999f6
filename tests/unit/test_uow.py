"""The unit of work: events reach subscribers after the commit, and never after a rollback;
the bot's in-memory copies (index, profiles, router) learn only from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain_events import IdeaPosted, InterestsChanged, QuestionRerouted
from bot.events import Message, Sender
from bot.semantic import SemanticMatcher
from bot.uow import EventBus, UnitOfWork
from knowledge.open import open_store
from knowledge.records import Idea, Person
from knowledge.store import Store
from tests.unit.test_network import E_RECHNUNG, WLAN, Chat


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = open_store(tmp_path / "data")
    yield opened
    opened.close()


def test_events_are_told_after_the_commit_and_dropped_on_a_rollback(store: Store) -> None:
    bus, told = EventBus(), []
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        uow.record(InterestsChanged(1, ("KI",)))
        assert told == []  # not yet on disk
    assert told == [InterestsChanged(1, ("KI",))]
    with pytest.raises(RuntimeError), UnitOfWork(store, bus) as uow:
        uow.record(IdeaPosted(7, None))
        raise RuntimeError("handler failed")
    assert told == [InterestsChanged(1, ("KI",))]


def test_a_failing_subscriber_does_not_stop_the_others(store: Store) -> None:
    bus, told = EventBus(), []

    def broken(event: object) -> None:
        raise ValueError("broken")

    bus.subscribe(broken)
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        uow.record(QuestionRerouted(1, "Drucker", "cio"))
    assert told == [QuestionRerouted(1, "Drucker", "cio")]


def test_who_knows_new_interests_at_once(chat: Chat) -> None:
    """The bug of issue #16: after !interessen, !wer ignored the new topics for an hour."""
    chat.say("dora", "!matching an", "FD 20")
    chat.say("dora", "!interessen E-Rechnung")
    assert "Dora" in chat.say("anna", "!wer E-Rechnung")[0].text  # profiles are built now
    chat.say("dora", "!interessen WLAN")
    assert "Dora" not in chat.say("anna", "!wer E-Rechnung")[0].text
    assert "Dora" in chat.say("anna", "!wer WLAN")[0].text
    chat.say("dora", "!interessen keine")
    assert "Dora" not in chat.say("anna", "!wer WLAN")[0].text


def test_who_knows_an_opt_out_at_once(chat: Chat) -> None:
    chat.say("dora", "!matching an", "FD 20")
    chat.say("dora", "!interessen WLAN")
    assert "Dora" in chat.say("anna", "!wer WLAN")[0].text
    chat.say("dora", "!matching aus")
    assert "Dora" not in chat.say("anna", "!wer WLAN")[0].text


def test_an_intake_that_fails_after_encoding_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    class FailsLate(SemanticMatcher):
        def suggest(self, store, idea: Idea, author: Person):  # type: ignore[no-untyped-def]
            super().suggest(store, idea, author)
            raise RuntimeError("after the vector was made")

    chat = Chat(tmp_path)
    chat.say("anna", f"!idee {E_RECHNUNG}")
    failing = FailsLate(chat.matcher.encoder, thresholds=chat.matcher.thresholds)
    failing.load(chat.store)
    chat.bot.matcher = failing
    chat.bot.subscribe(failing.committed)
    [sorry] = chat.say("bob", f"!idee {WLAN}")
    assert "schiefgegangen" in sorry.text and chat.store.count_ideas() == 1
    assert sorted(failing.engine.index.ids.tolist()) == [1]
    chat.store.close()


def test_the_router_learns_a_rerouting_only_once_committed(store: Store) -> None:
    from bot.config import Settings
    from bot.core import Bot

    learnt: list[tuple[str, str]] = []
    bot = Bot(store, Settings(roles={"cio": "cio"}))
    bot.questions.learn = lambda text, target: learnt.append((text, target))  # type: ignore[method-assign]
    ask = Message("console", "q1", Sender("anna", "Anna"), "!frage Der Drucker druckt nicht")
    bot.handle(ask)
    bot.handle(Message("console", "q2", Sender("cio", "CIO"), "!weiterleiten 1 cdo"))
    assert learnt == [("Der Drucker druckt nicht", "cdo")]
    bot.handle(Message("console", "q2", Sender("cio", "CIO"), "!weiterleiten 1 cio"))  # replay
    assert learnt == [("Der Drucker druckt nicht", "cdo")]


@pytest.fixture
def chat(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path)
    yield opened
    opened.store.close()
