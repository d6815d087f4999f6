"""Which adapter delivers a scheduled reply, when Matrix and Slack run side by side.

Reminders and the weekly digest are made by ``App.due``, which every running adapter polls.
A reply must go out through the platform that knows its recipient, and the address tells:
Matrix ids carry a server name (``@user:server``, ``!room:server``, ``#alias:server``), Slack
ids are upper case with a type letter (``U…``/``W…`` people, ``C…``/``G…``/``D…`` channels).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from bot.events import Reply

_GRAMMARS = (
    ("matrix", re.compile(r"^[@!#][^:\s]+:\S+$")),
    ("slack", re.compile(r"^[UWCGD][A-Z0-9]{6,}$")),
)


def platform_of(address: str | None) -> str | None:
    """The platform whose id grammar ``address`` follows; None for console names and the like."""
    for platform, grammar in _GRAMMARS:
        if address and grammar.match(address):
            return platform
    return None


class Outbox:
    """Scheduled replies waiting for the adapter of their platform; thread-safe.

    ``running`` names the adapters that poll. A reply whose address belongs to none of them
    (a console name, or a platform that is not running) goes to whichever adapter asks first,
    so it is delivered or its failure is logged there, instead of waiting forever.
    """

    def __init__(self, running: Iterable[str] = ()) -> None:
        self.running = tuple(running)
        self._waiting: list[Reply] = []
        self._lock = threading.Lock()

    def put(self, replies: Iterable[Reply]) -> None:
        with self._lock:
            self._waiting.extend(replies)

    def take(self, platform: str | None = None) -> list[Reply]:
        """The waiting replies for ``platform`` (None: all of them), in the order they came."""
        with self._lock:
            mine: list[Reply] = []
            rest: list[Reply] = []
            for reply in self._waiting:
                owner = platform_of(reply.direct_to or reply.room)
                ours = platform is None or owner == platform or owner not in self.running
                (mine if ours else rest).append(reply)
            self._waiting = rest
        return mine
