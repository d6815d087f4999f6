"""The Lagebild cockpit: a one-time login link, asked for in chat or at the server's terminal.

A link logs its holder in as the person it was made for, so making one is a use case like any
other that changes the store: written in the caller's unit of work through the logins'
repository, with its audit line, and the same for ``!lagebild`` and ``ideenlotse web-link``.
Redeeming a link and the sessions it opens belong to the cockpit's server (``bot.lagebild``).
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import iso
from bot.lagebild import LINK_VALID, LOGIN_PATH, new_token, token_hash
from bot.uow import UnitOfWork
from knowledge.records import Person


def make_login_link(uow: UnitOfWork, person: Person, now: str, base_url: str) -> str:
    """A fresh link for ``person``, valid once for ``LINK_VALID``; the store keeps only the
    token's hash. Spent and expired links and sessions are cleared on the way, so nothing is
    kept longer than it works."""
    token = new_token()
    expires = iso(datetime.fromisoformat(now) + LINK_VALID)
    uow.logins.delete_expired_web_logins(now)
    uow.logins.add_web_login(token_hash(token), "link", person.id, now, expires)
    uow.audit.audit(
        "web.link", now, actor_id=person.id, subject_type="person", subject_id=person.id
    )
    return base_url.rstrip("/") + LOGIN_PATH + token
