"""A CDO's ``!digest`` on a real Synapse: the preview is built beside the next events.

The adapter handles a sync's events one after another; before, the preview (about 10 s at
10,000 ideas) was built inside that turn, and every message after it waited."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import pytest

from bot import digest_preview
from bot.digest import Digest
from tests.matrix.conftest import Matrix, Seen, is_reply_to

pytestmark = [pytest.mark.anyio, pytest.mark.model]

WAIT = 120.0  # seconds; only reached when something hangs


class HeldDigest:
    """The real build, held until the test lets it go."""

    def __init__(self) -> None:
        self.real = digest_preview.digest_for
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, *args: object, **kwargs: object) -> Digest:
        self.started.set()
        assert self.go.wait(WAIT), "never let go"
        return self.real(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldDigest]:
    hook = HeldDigest()
    monkeypatch.setattr(digest_preview, "digest_for", hook)
    yield hook
    hook.go.set()


async def test_an_idea_is_answered_while_the_digest_preview_is_built(
    world: Matrix, held: HeldDigest
) -> None:
    anna, cdo = await world.person("anna"), await world.person("cdo")
    room = await anna.create_room([world.bot_id, cdo.user_id])
    await world.start_bot(world.settings(idea_rooms=(room,), roles={cdo.user_id: "cdo"}))
    await anna.wait_joined(room, world.bot_id)
    await anna.wait_joined(room, cdo.user_id)

    asked = await cdo.say(room, "!digest")
    note = await cdo.expect(is_reply_to(asked), "the note that the preview comes by DM")
    assert "Direktnachricht" in note.body
    # The note goes out first; the build starts in its own thread soon after.
    assert await anyio.to_thread.run_sync(held.started.wait, WAIT), "the build never started"

    idea = await anna.say(room, "Alle Sitzungsräume sollten WLAN für Gäste haben")
    reply = await anna.expect(is_reply_to(idea), "the idea's answer while the digest is held")
    assert "gespeichert" in reply.body and not held.go.is_set()

    held.go.set()

    def preview(seen: Seen) -> bool:
        return "Vorschau" in seen.body and seen.room_id != room

    await cdo.expect(preview, "the preview in the CDO's direct message")
