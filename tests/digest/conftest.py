"""A knowledge base with planted synergies, built through the bot as staff would build it."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.semantic import SemanticMatcher
from knowledge.db import DB_FILENAME
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store
from matching.encoder import SentenceEncoder
from tests.conftest import FakeClock

BACKGROUND = Path(__file__).parents[1] / "fixtures" / "ideen.jsonl"  # 40 older, open ideas
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET_NAME = "Dieter Verborgen"  # opted out: must never appear in a digest

# who, department, opted in, interests
PEOPLE = {
    "anna": ("Anna Albers", "FD 20", True, "E-Rechnung, Rechnungsworkflow"),
    "bernd": ("Bernd Brandt", "FD 32", True, "XRechnung, digitale Rechnungsbearbeitung"),
    "carla": ("Carla Conrad", "FD 51", True, "WLAN, Videokonferenzen"),
    "emil": ("Emil Engel", "FD 10", True, "Netzwerk, WLAN im Rathaus"),
    "dieter": (SECRET_NAME, "FD 61", False, "Rechnungen"),
}
E_INVOICE = [
    ("anna", "Eingangsrechnungen automatisch als E-Rechnung erfassen und digital freigeben"),
    ("bernd", "Rechnungen von Lieferanten im XRechnung-Format elektronisch empfangen und buchen"),
    ("dieter", "Die Freigabe von E-Rechnungen dauert zu lange, Rechnungen digital prüfen"),
]
WIFI = [
    ("carla", "Alle Sitzungsräume im Rathaus brauchen ein stabiles WLAN"),
    ("emil", "Das WLAN in den Besprechungsräumen ist zu schwach für Videokonferenzen"),
    ("anna", "Gäste-WLAN für Besucher in den Sitzungssälen des Rathauses einrichten"),
]
DUPLICATE = [
    ("bernd", "Bürgerinnen und Bürger sollen Termine im Bürgerbüro online buchen können"),
    ("carla", "Bürgerinnen und Bürger sollen Termine im Bürgerbüro auch online buchen können"),
]


@dataclass
class Seeded:
    store: Store
    settings: Settings
    matcher: SemanticMatcher
    bot: Bot
    clock: FakeClock
    e_invoice: list[int]
    wifi: list[int]
    duplicate: list[int]
    say: Callable[..., list[Reply]]


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, encoder: SentenceEncoder) -> Path:
    """The seeded database, built once per module through the bot (the model is slow)."""
    folder = tmp_path_factory.mktemp("seeded")
    settings = Settings(data_dir=folder, roles={"cdo-user": "cdo"})
    store = open_store(folder)
    clock = FakeClock(START)
    old = "2026-06-01T09:00:00+00:00"
    with store.transaction():
        for line in BACKGROUND.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            store.add_idea(NewIdea(row["text"], None, department=row["department"]), old)
    matcher = SemanticMatcher(encoder, clock=clock)
    matcher.load(store)
    say = talker(Bot(store, settings, matcher=matcher, clock=clock), "seed")
    for who, (_, _, opted_in, interests) in PEOPLE.items():
        say(f"!interessen {interests}", who)
        if opted_in:
            say("!matching an", who)
    for ideas in (E_INVOICE, WIFI, DUPLICATE):
        for who, text in ideas:
            clock.advance(minutes=7)
            say(f"!idee {text}", who)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return folder / DB_FILENAME


def talker(bot: Bot, prefix: str) -> Callable[..., list[Reply]]:
    events = itertools.count(1)

    def say(text: str, who: str, role: str | None = None) -> list[Reply]:
        name, department, *_ = PEOPLE.get(who, (who, None, False, ""))
        sender = Sender(who, name, department, role)
        return bot.handle(Message("console", f"{prefix}{next(events)}", sender, text, "room"))

    return say


@pytest.fixture
def seeded(tmp_path: Path, seeded_db: Path, encoder: SentenceEncoder) -> Iterator[Seeded]:
    """A private copy of the seeded database, a day after the ideas came in."""
    settings = Settings(data_dir=tmp_path / "data", roles={"cdo-user": "cdo"})
    settings.data_dir.mkdir(parents=True)
    shutil.copy(seeded_db, settings.data_dir / DB_FILENAME)
    store = open_store(settings.data_dir)
    clock = FakeClock(START + timedelta(days=1, hours=1))
    matcher = SemanticMatcher(encoder, clock=clock)
    matcher.load(store)
    bot = Bot(store, settings, matcher=matcher, clock=clock)
    first = len(BACKGROUND.read_text(encoding="utf-8").splitlines()) + 1
    ids = list(range(first, first + len(E_INVOICE) + len(WIFI) + len(DUPLICATE)))
    yield Seeded(store, settings, matcher, bot, clock, ids[:3], ids[3:6], ids[6:], talker(bot, "t"))
    store.close()


@pytest.fixture
def saved_figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The figures the digest saves (its map), to measure what was drawn."""
    from matplotlib.figure import Figure

    figures: list[Any] = []
    original = Figure.savefig

    def savefig(self: Any, *args: Any, **kwargs: Any) -> Any:
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    yield figures
