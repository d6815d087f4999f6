"""Work a chat event asks for that is too slow for its transaction: done after the commit.

A chat event's unit of work holds the store's write lock until it commits. A ``!digest``
preview (encoding, clustering, the map: about 20 s at 10k ideas) inside it made every other
event wait that long. So a handler with slow work records in the event's transaction that
the work was asked for, and hands the core a ``FollowUp`` (``Context.after_commit``). After
the commit the core runs it: ``build`` without the lock (it reads in short transactions of
its own), then its replies go into the outbox in a second transaction, keyed by the event
(``claim_event`` on ``<event id>#<name>``), so however often a follow-up runs - the core,
the sweep after a crash (``bot.digest_preview.resume_previews``), a second process - its
replies are queued once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery import Origin, queue_answers
from bot.events import Message, Reply
from knowledge.store import Store

log = logging.getLogger(__name__)


def _nothing(store: Store, now: str) -> None:
    """No bookkeeping of its own."""


@dataclass(frozen=True)
class FollowUp:
    """``build``: the slow part, run without the lock; ``sorry``: what is said instead when it
    fails (the asker is not left waiting); ``done``: bookkeeping written with the replies."""

    name: str  # the key's suffix: one follow-up of a name per event
    build: Callable[[], list[Reply]]
    sorry: Callable[[], list[Reply]]
    done: Callable[[Store, str], None] = field(default=_nothing)


def follow_up_key(event_id: str, name: str) -> str:
    """The id under which a follow-up's replies are claimed, beside its event's own claim."""
    return f"{event_id}#{name}"


class FollowUps:
    """Runs follow-ups, and knows which this process is running (a sweep leaves those)."""

    def __init__(self, store: Store):
        self.store = store
        self._running: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def run(
        self, follow: FollowUp, origin: Origin, message: Message | None, now: str
    ) -> list[Reply]:
        """Build the replies, then queue them once for ``origin``'s event; returns what this
        call queued ([] when another run did or does). ``message``: the event, when its
        replies are to be threaded like the event's own. A busy store in the second
        transaction raises: the request stays open for the sweep."""
        key = (origin.platform, follow_up_key(origin.event_id, follow.name))
        with self._lock:
            if key in self._running:
                return []
            self._running.add(key)
        try:
            try:
                replies = follow.build()
            except Exception:
                log.exception("follow-up %s of event %s failed", follow.name, origin.event_id)
                replies = follow.sorry()
            if message is not None:
                replies = [reply.in_thread_of(message) for reply in replies]
            with self.store.transaction():
                if not self.store.claim_event(origin.platform, key[1], None, now):
                    return []  # queued before: a replay or another process
                queue_answers(self.store, replies, origin, now)
                follow.done(self.store, now)
            return replies
        finally:
            with self._lock:
                self._running.discard(key)
