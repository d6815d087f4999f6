"""The outbox forgets an erased person: what was still to be sent to them or about them goes
with the erasure; the confirmation of the erasure itself still reaches them."""

from __future__ import annotations

from pathlib import Path

from bot import retention
from bot.clock import iso
from bot.delivery import Outbox
from bot.events import Message, Reply, Sender
from knowledge.store import Store
from tests.privacy.conftest import PLATFORM, World

ANNA = "@anna.kowalski:stadt.example"
BOB = "@bob:stadt.example"


def unsent(world: World, user: str, text: str, name: str) -> None:
    """``user`` writes ``text``; the replies are committed, but the platform is down."""
    world.clock.advance(seconds=5)
    event = Message(PLATFORM, f"$ev{next(world.events)}", Sender(user, name), text, room="!r")
    world.bot.handle(event, idea_room=True)


def waiting(store: Store) -> list[tuple[str | None, str]]:
    return [(p.direct_to, p.content or "") for p in store.parcels(waiting=True)]


def test_the_erasure_takes_the_persons_unsent_replies_and_leaves_the_others(
    tmp_path: Path,
) -> None:
    world = World(tmp_path / "data", {}, routing=False)
    world.say(BOB, "!idee Ampeln im Stadtgebiet digital steuern")
    code = world.erasure_code(ANNA)
    with world.store.transaction():  # due for her before she ever wrote: linked by her id only
        Outbox().queue(world.store, [Reply("Quastenflosser-Erinnerung", direct_to=ANNA)],
                       kind="reminder", cause="7:remind", now=iso(world.clock()))  # fmt: skip
    unsent(world, ANNA, "!unterstuetzen 1", "Anna Kowalski")  # Bob would be told: by Anna
    unsent(world, ANNA, "!idee Zebrastreifenpilot für die Innenstadt", "Anna Kowalski")
    unsent(world, BOB, "!hilfe", "Bob")
    before = waiting(world.store)
    assert any(to == ANNA for to, _ in before) and any("Kowalski" in c for _, c in before)

    unsent(world, ANNA, f"!vergiss-mich bestätigen {code}", "Anna Kowalski")
    left = waiting(world.store)
    # Bob's help, then her confirmation: a note in the room, the rest to her directly
    assert [to for to, _ in left] == [None, None, ANNA]
    assert "gelöscht" in left[2][1]
    for needle in ("Kowalski", "Quastenflosser", "Zebrastreifenpilot", "unterstützt"):
        assert all(needle not in content for _, content in left), needle
    retention.run_due(world.store, world.settings, world.bot.bus, world.clock())  # a scrub
    world.deliver()  # the confirmation goes out; then nothing of hers is left in the file,
    data = world.file_bytes()  # while the store is still open (trial 23: the web cockpit)
    for needle in (b"Kowalski", b"anna.kowalski", b"Quastenflosser", b"Zebrastreifenpilot"):
        assert needle not in data, needle
    world.store.close()
