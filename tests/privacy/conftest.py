"""A bot with every part that stores something: SQLite on disk, matcher, question desk, router.

The hashing encoder stands in for the model: these tests are about what is stored and
erased, not about matching quality.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PrivacySettings, Settings, WebSettings
from bot.core import Bot
from bot.delivery import Outbox
from bot.events import Message, Reply, Sender
from bot.questions import QuestionDesk
from bot.semantic import SemanticMatcher
from knowledge.db import DB_FILENAME
from knowledge.open import open_store
from matching.routing import Router
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

PLATFORM = "matrix"
THRESHOLDS = hashing_thresholds()  # measured once


class World:
    def __init__(
        self, data: Path, roles: dict[str, str], erase_mode: str = "delete", routing: bool = True
    ):
        self.data = data
        self.store = open_store(data)
        self.clock = FakeClock()
        encoder = HashingEncoder()
        self.matcher = SemanticMatcher(encoder, clock=self.clock, thresholds=THRESHOLDS)
        self.matcher.load(self.store)
        router = Router(encoder) if routing else None  # fitting it takes a moment
        self.desk = QuestionDesk(encoder=encoder, router=router, ideas=self.matcher)
        self.settings = Settings(
            data_dir=data,
            roles=roles,
            privacy=PrivacySettings(erase_mode=erase_mode),
            web=WebSettings(url="https://lagebild.stadt.example"),  # !lagebild gives links
        )
        self.bot = Bot(
            self.store, self.settings, matcher=self.matcher, questions=self.desk, clock=self.clock
        )
        self.events = itertools.count(1)
        self.names: dict[str, str] = {}  # display names, where not derived from the user id

    def say(
        self,
        user: str,
        text: str,
        *,
        name: str | None = None,
        department: str | None = "FD 20",
        direct: bool = False,
    ) -> list[Reply]:
        """``user`` writes ``text``; a little time passes, so no rate limit is reached."""
        self.clock.advance(seconds=5)
        if name is not None:
            self.names[user] = name
        default = user.strip("@").split(":")[0].capitalize()
        sender = Sender(user, self.names.get(user, default), department)
        message = Message(
            PLATFORM, f"$ev{next(self.events)}", sender, text, room=None if direct else "!r",
            is_direct=direct,
        )  # fmt: skip
        replies = self.bot.handle(message, idea_room=not direct)
        self.deliver()
        return replies

    def deliver(self) -> None:
        """Send what the outbox holds, as the platform's adapter does right after each event:
        delivered rows keep no text and no address."""
        outbox = Outbox()
        while taken := outbox.take(self.store, PLATFORM, self.clock()):
            outbox.delivered(self.store, taken, self.clock())

    def erasure_code(self, user: str) -> str:
        """Ask to be forgotten; the one-time code the bot sends (by direct message)."""
        asked = self.text(user, "!vergiss-mich")
        found = re.search(r"bestätigen ([A-Z2-9]{6})", asked)
        assert found, asked
        return found.group(1)

    def text(self, user: str, text: str, **kwargs: object) -> str:
        return "\n\n".join(reply.text for reply in self.say(user, text, **kwargs))  # type: ignore[arg-type]

    def file_bytes(self) -> bytes:
        """The database file and its WAL, as they are on disk now."""
        found = b""
        for suffix in ("", "-wal"):
            path = self.data / (DB_FILENAME + suffix)
            if path.exists():
                found += path.read_bytes()
        return found


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    opened = World(tmp_path / "data", {})
    yield opened
    opened.store.close()
