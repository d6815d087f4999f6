"""One-time confirmation codes for irreversible commands (``!vergiss-mich``).

A button in a shared room can be clicked by anyone, and a typed "bestätigen" can be typed by
anyone: the code binds the confirmation to the person who asked and to a short time window.
The store keeps a hash of the pending code, not the code, and not in one process's memory:
bot processes share the database, and the confirmation may reach another one than the
request (trial 14). Run both inside the event's transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.clock import iso
from knowledge.store import Store

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mistype
VALID_FOR = timedelta(minutes=10)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def issue(store: Store, purpose: str, person_id: int, now: datetime) -> str:
    """A fresh code for this person and purpose; an earlier one stops working."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(6))
    store.set_confirmation(purpose, person_id, _hash(code), iso(now + VALID_FOR))
    return code


def redeem(store: Store, purpose: str, person_id: int, code: str, now: datetime) -> bool:
    """True once, for the person's own unexpired code."""
    return store.redeem_confirmation(purpose, person_id, _hash(code), iso(now))
