"""The scheduled digest reaches the CDO through the console adapter, picture included."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console import ConsoleChat
from bot.app import App, bootstrap
from bot.events import Reply, Sender
from knowledge.open import open_store
from matching.encoder import SentenceEncoder
from tests.digest.conftest import Seeded

pytestmark = pytest.mark.model

MONDAY_0800_BERLIN = datetime(2026, 11, 30, 7, 0, 30, tzinfo=UTC)
CDO = Sender("cdo-user", "Clara Chef", "Digitalisierung")


def is_digest(reply: Reply) -> bool:
    """Only the scheduled job writes to the CDO directly; the reply to a command does not."""
    return reply.direct_to == CDO.user_id and "Synergie-Digest" in reply.text


def console(app: App, outbox: Path) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    return ConsoleChat(app.bot, CDO, out=out, jobs=app.due, outbox=outbox), out


def test_the_monday_digest_reaches_the_cdo_once_even_across_a_restart(
    seeded: Seeded, tmp_path: Path, encoder: SentenceEncoder
) -> None:
    app = App(seeded.store, seeded.matcher, seeded.bot)
    outbox = tmp_path / "dateien"
    chat, out = console(app, outbox)
    chat.say("!matching")  # Tuesday: the schedule starts, nothing is due
    assert "**Synergie-Digest " not in out.getvalue()
    seeded.clock.now = MONDAY_0800_BERLIN
    replies = chat.say("!matching")
    digests = [r for r in replies if is_digest(r)]
    assert [r.direct_to for r in digests] == ["cdo-user"]
    printed = out.getvalue()
    assert "Ähnliche Ideen über Fachbereiche hinweg" in printed and "WLAN" in printed
    picture = outbox / "cdo-user" / "ideenlandkarte.png"  # the CDO's own folder
    assert f"[Datei gespeichert: {picture}]" in printed
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert not [r for r in chat.say("!matching") if is_digest(r)]
    # the bot restarts: new store, matcher, bot and app on the same database
    seeded.store.close()
    store = open_store(seeded.settings.data_dir)
    try:
        again = bootstrap(seeded.settings, store=store, encoder=encoder, clock=seeded.clock)
        chat, out = console(again, tmp_path / "dateien-2")
        seeded.clock.advance(minutes=5)
        assert not [r for r in chat.say("!matching") if is_digest(r)]
        seeded.clock.advance(days=7)  # next Monday: the next digest, and only one
        digests = [r for r in chat.say("!matching") if is_digest(r)]
        assert len(digests) == 1 and "nichts Neues" in digests[0].text  # a quiet week
    finally:
        store.close()
        seeded.store = open_store(seeded.settings.data_dir)  # the fixture closes it
