"""Per-person rate limit: one person flooding the bot cannot slow it down for everybody else.

A token bucket per (platform, user): ``per_minute`` messages fill it, one message takes one
token, and it refills evenly over the minute, so short bursts pass and a steady flood does
not. The first refused message gets one friendly answer; further ones are dropped silently
until the person may write again, so the bot never floods a room in return.

The console is exempt: it is the operator's own terminal (it may claim a role, too), and
piping a file of ideas into it is a legitimate use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from bot.events import Message, Reply
from bot.i18n import Translator

EXEMPT_PLATFORMS = frozenset({"console"})
MAX_TRACKED = 10_000  # people tracked at once; full buckets are dropped beyond that


@dataclass
class _Bucket:
    tokens: float
    updated: float  # seconds since the epoch
    warned: bool = False


class RateLimiter:
    def __init__(self, per_minute: int, exempt: frozenset[str] = EXEMPT_PLATFORMS):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.exempt = exempt
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()  # adapters call the bot from several threads

    def allow(self, platform: str, user_id: str, now: datetime) -> bool | None:
        """True: go ahead. False: refused, tell the person once. None: refused, stay silent."""
        if platform in self.exempt:
            return True
        moment = now.timestamp()
        with self._lock:
            bucket = self._buckets.get((platform, user_id))
            if bucket is None:
                self._forget_idle(moment)
                bucket = self._buckets[(platform, user_id)] = _Bucket(self.capacity, moment)
            elapsed = max(moment - bucket.updated, 0.0)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = moment
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                bucket.warned = False
                return True
            if bucket.warned:
                return None
            bucket.warned = True
            return False

    def refuse(self, message: Message, now: datetime, t: Translator) -> list[Reply] | None:
        """None when the message may be handled; else what to answer (possibly nothing)."""
        verdict = self.allow(message.platform, message.sender.user_id, now)
        if verdict is True:
            return None
        if verdict is None:
            return []
        wait = max(1, round((1.0 - self._tokens(message)) / self.rate))
        return [Reply(t("privacy.rate_limited", seconds=wait)).in_thread_of(message)]

    def _tokens(self, message: Message) -> float:
        with self._lock:
            bucket = self._buckets.get((message.platform, message.sender.user_id))
            return bucket.tokens if bucket else self.capacity

    def _forget_idle(self, moment: float) -> None:
        """Drop buckets that have refilled completely: they hold nothing worth keeping."""
        if len(self._buckets) < MAX_TRACKED:
            return
        full = self.capacity / self.rate  # seconds until any bucket is full again
        for key, bucket in list(self._buckets.items()):
            if moment - bucket.updated >= full:
                del self._buckets[key]
