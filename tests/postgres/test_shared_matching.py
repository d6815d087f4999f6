"""Two bot processes on one PostgreSQL database suggest each other's ideas (pgvector shortlist).

Each process has its own in-memory matcher, loaded at start. On SQLite one process owns the
file; on PostgreSQL the shortlist comes from pgvector's HNSW index, so an idea the other
process stored after this one started is found, fetched and suggested.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.pg import PgStore
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

E_RECHNUNG = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
E_RECHNUNG_2 = "Eingangsrechnungen als E-Rechnung automatisch verarbeiten und digital freigeben"
_events = itertools.count(1)


class Process:
    """What one `ideenlotse run` holds: its own store connection, matcher and bot."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.store = PgStore.connect(url)
        self.matcher = SemanticMatcher(
            HashingEncoder(), clock=FakeClock(), thresholds=hashing_thresholds()
        )
        self.matcher.load(self.store)
        self.bot = Bot(self.store, settings, matcher=self.matcher)

    def say(self, who: str, text: str, department: str) -> str:
        message = Message("matrix", f"$e{next(_events)}", Sender(who, who.title(), department),
                          text, room="!ideen:stadt.de")  # fmt: skip
        [reply] = self.bot.handle(message, idea_room=True)
        return reply.text


@pytest.fixture
def two(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Process, Process]]:
    settings = Settings(data_dir=tmp_path)
    first, second = Process(postgres_url, settings), Process(postgres_url, settings)
    yield first, second
    first.store.close()
    second.store.close()


def test_an_idea_stored_by_the_other_process_is_suggested(two: tuple[Process, Process]) -> None:
    slack_side, matrix_side = two  # both loaded an empty database at start
    assert "**#1**" in slack_side.say("anna", f"!idee {E_RECHNUNG}", "FD 20")
    assert 1 not in matrix_side.matcher.engine  # not loaded: stored after the start
    reply = matrix_side.say("carla", f"!idee {E_RECHNUNG_2}", "FD 30")
    assert "Ähnliche Ideen" in reply and "**#1**" in reply
    assert 1 in matrix_side.matcher.engine  # fetched from the database, with its vector


@pytest.mark.sqlite_only
def test_sqlite_store_has_no_shared_vector_index(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        assert store.nearest_ideas(HashingEncoder().encode(["x"])[0], "fake-hashing", 5) is None
    finally:
        store.close()
