"""One-time confirmation codes for irreversible commands (``!vergiss-mich``).

A button in a shared room can be clicked by anyone, and a typed "bestätigen" can be typed by
anyone: the code binds the confirmation to the person who asked and to a short time window.
Codes live in memory only: a restart simply means asking again, and no code is ever stored.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mistype
VALID_FOR = timedelta(minutes=10)


@dataclass
class Confirmations:
    _pending: dict[tuple[str, int], tuple[str, datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, purpose: str, person_id: int, now: datetime) -> str:
        """A fresh code for this person and purpose; an earlier one stops working."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        with self._lock:
            self._pending[(purpose, person_id)] = (code, now + VALID_FOR)
        return code

    def redeem(self, purpose: str, person_id: int, code: str, now: datetime) -> bool:
        """True once, for the person's own unexpired code."""
        with self._lock:
            pending = self._pending.get((purpose, person_id))
            if pending is None:
                return False
            expected, until = pending
            if now > until:
                del self._pending[(purpose, person_id)]
                return False
            if not secrets.compare_digest(expected, code.strip().upper()):
                return False
            del self._pending[(purpose, person_id)]
            return True
