"""The scheduled weekly digest reaches the CDO's direct room on Matrix, with the idea map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import App
from bot.config import MatrixSettings
from bot.events import Message, Reply, Sender
from tests.conftest import FakeClock
from tests.matrix.conftest import Matrix, Seen, until

pytestmark = [pytest.mark.anyio, pytest.mark.model]

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MONDAY_0800_BERLIN = datetime(2026, 11, 30, 7, 0, 30, tzinfo=UTC)
IDEAS = [
    ("Anna", "FD 20", "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"),
    ("Ben", "FD 32", "Rechnungen von Lieferanten digital und ohne Papier bearbeiten"),
    ("Cem", "FD 51", "WLAN in allen Sitzungsräumen des Rathauses einrichten"),
]


async def test_the_scheduled_digest_reaches_the_cdo_with_the_map(world: Matrix) -> None:
    cdo = await world.person("cdo")
    clock = FakeClock(TUESDAY)
    settings = world.settings(
        roles={cdo.user_id: "cdo"}, matrix=MatrixSettings(due_interval_seconds=0.2)
    )
    running = await world.start_bot(settings, clock)
    for n, (name, department, text) in enumerate(IDEAS):  # posted on the console this week
        sender = Sender(name.lower(), name, department)
        running.app.bot.handle(Message("console", f"idea-{n}", sender, f"!idee {text}"))

    def is_digest(seen: Seen) -> bool:
        return "Synergie-Digest" in seen.body

    polls = count_polls(running.app)

    async def started() -> bool:
        with running.app.store.transaction():
            return running.app.store.last_digest_run() is not None

    await until(started, "the schedule to start on Tuesday")
    assert not cdo.matching(is_digest)  # nothing is due before Monday 08:00
    clock.now = MONDAY_0800_BERLIN
    digest = await cdo.expect(is_digest, "the digest in the CDO's direct message")
    picture = await cdo.expect(
        lambda s: s.content.get("msgtype") == "m.image" and s.room_id == digest.room_id,
        "the idea map next to the digest",
    )
    assert picture.body.endswith(".png")
    assert set(cdo.client.rooms[digest.room_id].users) == {cdo.user_id, world.bot_id}
    assert "Neue Ideen: 3" in digest.body  # the ideas of the week are counted in it
    clock.advance(minutes=5)
    seen = len(polls)

    async def polled_twice_more() -> bool:
        return len(polls) >= seen + 2

    await until(polled_twice_more, "more polls of the due jobs")
    assert len(cdo.matching(is_digest)) == 1  # once, not at every poll


def count_polls(app: App) -> list[datetime]:
    """Record each time the adapter asks for due jobs (the adapter looks ``due`` up each time)."""
    polls: list[datetime] = []
    due = app.due

    def counted(*args: Any, **kwargs: Any) -> list[Reply]:
        polls.append(datetime.now(UTC))
        return due(*args, **kwargs)

    app.due = counted  # type: ignore[method-assign]
    return polls
