"""``!digest`` is built after its event committed: others are answered meanwhile, the preview
is queued once, and a crash between the commit and the preview leaves it open, not lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot import digest_preview
from bot.config import Settings
from bot.core import Bot
from bot.digest import Digest
from bot.events import Message, Reply, Sender
from bot.followups import FollowUps
from knowledge.store import Store
from tests.conftest import FakeClock

WAIT = 10.0  # seconds; only reached when something hangs


def chat(text: str, who: str, event_id: str, *, direct: bool = False) -> Message:
    sender = Sender(who, who.capitalize(), "FD 20", None, None)
    return Message("console", event_id, sender, text, room="room", is_direct=direct)


def previews(store: Store) -> list[str]:
    """The outbox rows that hold a digest preview."""
    with store.transaction():
        return [p.content or "" for p in store.parcels() if "Vorschau" in (p.content or "")]


def open_requests(store: Store) -> list[digest_preview.PreviewRequest]:
    with store.transaction():
        return digest_preview.open_requests(store)


class SlowDigest:
    """Stands in for the real build: says when it started, then waits to be let go."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, *args: object, **kwargs: object) -> Digest:
        self.started.set()
        assert self.go.wait(WAIT), "never let go"
        return self.real(*args, **kwargs)  # type: ignore[operator]


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowDigest]:
    hook = SlowDigest(digest_preview.digest_for)
    monkeypatch.setattr(digest_preview, "digest_for", hook)
    yield hook
    hook.go.set()


def test_others_are_answered_while_a_digest_is_built_and_it_arrives_once(
    bot: Bot, store: Store, slow: SlowDigest
) -> None:
    asked = chat("!digest", "cdo-user", "ev-digest")
    answered: list[list[Reply]] = []
    worker = threading.Thread(target=lambda: answered.append(bot.handle(asked, idea_room=True)))
    worker.start()
    assert slow.started.wait(WAIT)

    idea: list[list[Reply]] = []
    other = threading.Thread(
        target=lambda: idea.append(
            bot.handle(chat("Alle Sitzungsräume brauchen WLAN", "anna", "ev-idea"), idea_room=True)
        )
    )
    other.start()
    other.join(WAIT)
    assert not other.is_alive(), "an idea waited for the digest"
    assert idea and idea[0] and slow.started.is_set() and not slow.go.is_set()

    slow.go.set()
    worker.join(WAIT)
    note, preview = answered[0]
    assert "Direktnachricht" in note.text and preview.direct_to == "cdo-user"
    assert "Vorschau" in preview.text
    assert len(previews(store)) == 1 and open_requests(store) == []

    assert bot.handle(asked, idea_room=True) == []  # the platform's retry: a replay
    assert len(previews(store)) == 1


def test_in_a_direct_chat_the_preview_answers_there(bot: Bot, store: Store) -> None:
    (preview,) = bot.handle(chat("!digest 7", "cdo-user", "ev-dm", direct=True))
    assert preview.direct_to is None and "Vorschau" in preview.text
    assert len(previews(store)) == 1


def test_a_crash_between_the_commit_and_the_preview_leaves_it_open_not_lost(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing = Bot(store, settings, clock=clock)
    monkeypatch.setattr(crashing, "_follow_up", lambda *args: [])  # dies after the commit
    asked = chat("!digest", "cdo-user", "ev-crash")
    (note,) = crashing.handle(asked, idea_room=True)
    assert "Direktnachricht" in note.text and previews(store) == []
    assert [r.event_id for r in open_requests(store)] == ["ev-crash"]

    restarted = Bot(store, settings, clock=clock)
    assert restarted.handle(asked, idea_room=True) == []  # the retry is a replay ...
    assert previews(store) == []  # ... and the preview is still open

    def resume(moment: datetime) -> list[Reply]:
        return digest_preview.resume_previews(
            store, settings, restarted.matcher, restarted.follow_ups, moment
        )

    assert resume(clock()) == []  # too young: perhaps still on its way elsewhere
    (late,) = resume(clock() + timedelta(minutes=2))
    assert late.direct_to == "cdo-user" and "Vorschau" in late.text
    assert len(previews(store)) == 1 and open_requests(store) == []
    assert resume(clock() + timedelta(minutes=10)) == []


def test_a_second_run_of_the_same_request_queues_nothing(
    bot: Bot, store: Store, settings: Settings, clock: FakeClock
) -> None:
    """Two processes sweeping one database: the second transaction's claim decides."""
    bot.handle(chat("!digest", "cdo-user", "ev-twice", direct=True))
    with store.transaction():
        (entry,) = store.audit_entries(digest_preview.REQUESTED)
    request = digest_preview.PreviewRequest.from_entry(entry)
    assert request is not None
    follow = digest_preview.preview_follow_up(
        store, settings, bot.matcher, settings.translator(), request, direct_to="cdo-user"
    )
    origin = digest_preview.Origin("console", "ev-twice", None, "cdo-user", None)
    assert FollowUps(store).run(follow, origin, None, clock().isoformat()) == []
    assert len(previews(store)) == 1


def test_a_failing_build_is_answered_with_an_apology_and_closed(
    bot: Bot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> Digest:
        raise RuntimeError("clustering broke")

    monkeypatch.setattr(digest_preview, "digest_for", broken)
    note, sorry = bot.handle(chat("!digest", "cdo-user", "ev-broken"), idea_room=True)
    assert "Direktnachricht" in note.text
    assert sorry.direct_to == "cdo-user" and sorry.text == settings_text(bot, "error.internal")
    assert open_requests(store) == []


def settings_text(bot: Bot, key: str) -> str:
    return bot.settings.translator()(key)


def test_deferred_the_preview_waits_for_the_adapter_not_the_event(
    bot: Bot, store: Store, slow: SlowDigest
) -> None:
    """The Matrix adapter handles a sync's events one after another: it asks for the
    follow-ups back (``defer``), sends the note, and runs them beside the next events."""
    slow.go.set()
    handled = bot.process(chat("!digest", "cdo-user", "ev-later"), idea_room=True, defer=True)
    assert not slow.started.is_set() and handled.later is not None
    (note,) = handled.replies
    assert "Direktnachricht" in note.text and previews(store) == []
    assert len(open_requests(store)) == 1  # a crash now: the sweep still sends it

    (preview,) = handled.later()
    assert "Vorschau" in preview.text and len(previews(store)) == 1
    assert open_requests(store) == []
    idea = bot.process(
        chat("Alle Räume brauchen WLAN", "anna", "ev-next"), idea_room=True, defer=True
    )
    assert idea.later is None and idea.replies  # nothing slow: nothing handed back
