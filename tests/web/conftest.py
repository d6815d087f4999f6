"""A Lagebild server on a free port over SQLite on disk, with console chats beside it.

The server runs in this process (``adapters.web.app.BackgroundServer``) on the bot's own
app, with the fake encoder (these tests prove what the cockpit shows and does, not matching
quality) and a fake clock, so links and sessions expire without sleeping.
"""

from __future__ import annotations

import http.client
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from adapters.console import ConsoleChat
from adapters.web.app import BackgroundServer
from adapters.web.server import COOKIE
from bot.app import App
from bot.config import Settings, WebSettings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

LINK = re.compile(r"http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]+")
ROLES = {"carola": "cdo", "@cdo:stadt.example": "cdo", "ilse": "cio"}


@dataclass
class Stage:
    app: App
    clock: FakeClock
    server: BackgroundServer
    data: Path
    chats: dict[str, tuple[ConsoleChat, io.StringIO]] = field(default_factory=dict)
    events: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def say(self, who: str, line: str, *, department: str | None = "FD 20") -> str:
        """A line typed in ``who``'s console chat; what the console printed for it."""
        if who not in self.chats:
            out = io.StringIO()
            sender = Sender(who, who.capitalize(), department)
            self.chats[who] = (ConsoleChat(self.app.bot, sender, out=out), out)
        chat, out = self.chats[who]
        start = len(out.getvalue())
        chat.say(line)
        return out.getvalue()[start:]

    def link(self, who: str) -> str:
        """A login link, as ``who`` gets it from ``!lagebild`` in the console."""
        printed = self.say(who, "!lagebild")
        found = LINK.findall(printed)
        assert len(found) == 1, printed
        return found[0]

    def post(self, who: str, text: str, *, platform: str = "matrix", **where: str) -> list[Reply]:
        """A message on another platform, handled by the same bot (its replies stay in the
        outbox, as a chat adapter finds them)."""
        sender = Sender(who, who.split(":")[0].lstrip("@").capitalize())
        event = f"$ev{next(self.events)}"
        message = Message(platform, event, sender, text, where.get("room"), is_direct=not where)
        return self.app.bot.handle(message, idea_room=bool(where))

    def session(self, link: str) -> str:
        """Redeem ``link`` without a browser; the session cookie's value."""
        status, headers, _ = self.request("GET", link.removeprefix(self.base))
        assert status == 200
        cookie = next(v for k, v in headers if k.lower() == "set-cookie")
        return cookie.split(";")[0].split("=", 1)[1]

    def request(
        self, method: str, path: str, *, cookie: str | None = None, form: str | None = None
    ) -> tuple[int, list[tuple[str, str]], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=form, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read().decode("utf-8")
        finally:
            connection.close()


def make_stage(tmp_path: Path, **settings: object) -> Stage:
    data = tmp_path / "data"
    store = open_store(data)
    clock = FakeClock()
    matcher = SemanticMatcher(HashingEncoder(), clock=clock, thresholds=hashing_thresholds())
    matcher.load(store)
    config = Settings(data_dir=data, roles=dict(ROLES), **settings)  # type: ignore[arg-type]
    app = App(store, matcher, Bot(store, config, matcher=matcher, clock=clock))
    server = BackgroundServer(app, map_interval=0.0).start()
    # Links name the server's address, known once it listens on its free port.
    url = f"http://127.0.0.1:{server.port}"
    app.bot.settings = replace(app.bot.settings, web=WebSettings(url=url))
    return Stage(app, clock, server, data)


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Stage]:
    made = make_stage(tmp_path)
    yield made
    made.server.stop()
    made.app.close()
