"""The Matrix adapter sends from the store's outbox: what a stopped process committed but never
sent goes out once after the restart, even when the homeserver hands the event over again.

No homeserver here: the adapter's send of one reply (``outbox.deliver``) is replaced by a
recorder, so what is tested is the adapter's path from event to outbox to send and mark. The
real sending is tested against Synapse in test_delivery.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from nio import Event, MatrixRoom

from adapters.matrix import MatrixAdapter
from adapters.matrix_connection import Credentials
from adapters.matrix_retry import PermanentError
from adapters.matrix_state import move_legacy_outbox
from bot.app import App, bootstrap
from bot.config import Settings
from bot.delivery import Delivery
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

pytestmark = pytest.mark.anyio

BOT = "@lotse:stadt.de"
ROOM = "!ideen:stadt.de"
ANNA = "@anna:stadt.de"
IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"


def idea_event(event_id: str = "$idee1") -> Any:
    return Event.parse_event(
        {"type": "m.room.message", "sender": ANNA, "event_id": event_id,
         "origin_server_ts": 1, "content": {"msgtype": "m.text", "body": IDEA}}
    )  # fmt: skip


def idea_room() -> MatrixRoom:
    room = MatrixRoom(ROOM, BOT)
    room.add_member(ANNA, "Anna", None)
    room.add_member(BOT, "Lotse", None)
    room.add_member("@ben:stadt.de", "Ben", None)  # three members: not a direct room
    return room


Started = Callable[..., Awaitable[MatrixAdapter]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Started]:
    """Start a bot process on the data dir: the App (fast encoder) and its Matrix adapter,
    whose sends are recorded in ``sent`` (or refused by ``refuse``) instead of reaching a
    homeserver."""
    settings = Settings(data_dir=tmp_path / "data", idea_rooms=(ROOM,))
    running: list[tuple[App, MatrixAdapter]] = []

    async def started(
        sent: list[Delivery], refuse: Exception | None = None, ready: bool = True
    ) -> MatrixAdapter:
        clock = FakeClock()
        thresholds = hashing_thresholds()
        app = bootstrap(settings, encoder=HashingEncoder(), clock=clock, thresholds=thresholds)
        adapter = MatrixAdapter(app, settings, Credentials("http://127.0.0.1:9", BOT, "pw"))
        adapter.idea_rooms = {ROOM}

        async def deliver(item: Delivery) -> bool:
            if refuse is not None:
                raise refuse
            if ready:
                sent.append(item)
            return ready  # False: the room is not synced yet

        adapter.outbox.deliver = deliver  # type: ignore[method-assign]
        running.append((app, adapter))
        return adapter

    yield started
    for app, adapter in running:
        await adapter.close()
        app.close()


async def test_a_reply_committed_before_a_crash_is_sent_once_after_the_restart(
    start: Started,
) -> None:
    lost: list[Delivery] = []
    first = await start(lost)

    async def killed() -> None:  # the process stops after the commit, before any send
        return None

    first.outbox.drain = killed  # type: ignore[method-assign]
    await first._on_event(idea_room(), idea_event())
    assert lost == [] and len(first.app.store.parcels(waiting=True)) == 1
    await first.close()

    sent: list[Delivery] = []
    second = await start(sent)
    await second.outbox.drain()  # what the sync loop does after its first sync
    [reply] = sent
    assert "Ihre Idee ist als **#1** gespeichert" in reply.reply.text
    assert (reply.origin_room, reply.reply_to) == (ROOM, "$idee1")  # threaded under the idea
    await second._on_event(idea_room(), idea_event())  # the same event handed over again
    assert len(sent) == 1 and second.app.store.count_ideas() == 1
    assert second.app.store.parcels(waiting=True) == []


async def test_a_room_not_synced_yet_keeps_its_replies_waiting_in_order(start: Started) -> None:
    waiting: list[Delivery] = []
    adapter = await start(waiting, ready=False)
    await adapter._on_event(idea_room(), idea_event("$a"))
    await adapter._on_event(idea_room(), idea_event("$b"))
    assert adapter.outbox.waiting and waiting == []
    assert [p.attempts for p in adapter.app.store.parcels(waiting=True)] == [0, 0]
    await adapter.close()
    sent: list[Delivery] = []
    later = await start(sent)
    await later.outbox.drain()
    assert [d.reply_to for d in sent] == ["$a", "$b"] and not later.outbox.waiting


async def test_a_refusal_for_good_is_given_up_with_a_log_line(
    start: Started, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = await start([], refuse=PermanentError("!ideen:stadt.de: M_FORBIDDEN"))
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        await adapter._on_event(idea_room(), idea_event())
    [parcel] = adapter.app.store.parcels()
    assert parcel.given_up_at is not None and parcel.content is None
    assert "M_FORBIDDEN" in caplog.text and "Eingangsrechnungen" not in caplog.text


async def test_replies_an_older_version_kept_in_the_state_file_are_sent(
    start: Started, tmp_path: Path
) -> None:
    state = tmp_path / "data" / "matrix" / "state.json"
    state.parent.mkdir(parents=True)
    old = {"id": "abc", "origin_room": ROOM, "reply_to": "$e", "text": "Danke!", "room": None,
           "thread_id": "$e", "direct_to": None, "buttons": [], "attachments": []}  # fmt: skip
    state.write_text(json.dumps({"user_id": BOT, "outbox": [old]}), encoding="utf-8")
    sent: list[Delivery] = []
    adapter = await start(sent)
    move_legacy_outbox(adapter.state, adapter.app)  # as ``run`` does on start
    await adapter.outbox.drain()
    [reply] = sent
    assert (reply.reply.text, reply.reply.thread_id, reply.reply_to) == ("Danke!", "$e", "$e")
    assert "outbox" not in json.loads(state.read_text(encoding="utf-8"))
