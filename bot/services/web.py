"""The Lagebild cockpit: a one-time login link, asked for in chat or at the server's terminal.

A link logs its holder in as the person it was made for, so making one is a use case like any
other that changes the store: written in the caller's unit of work through the logins'
repository, with its audit line, and the same for ``!lagebild`` and ``ideenlotse web-link``.
Spending a link opens a session (``log_in``), and ``log_out`` ends it: written the same way.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import iso
from bot.config import Settings
from bot.lagebild import (
    LINK_VALID,
    LOGIN_PATH,
    SESSION_VALID,
    Session,
    Viewer,
    new_token,
    role_of,
    token_hash,
)
from bot.uow import UnitOfWork
from knowledge.records import Person


def make_login_link(
    uow: UnitOfWork, person: Person, now: str, base_url: str, operator: str | None = None
) -> str:
    """A fresh link for ``person``, valid once for ``LINK_VALID``; the store keeps only the
    token's hash. Spent and expired links and sessions are cleared on the way, so nothing is
    kept longer than it works. ``operator``: the server account that made it on the command
    line, which the audit names instead of the person (trial 27: it blamed them)."""
    token = new_token()
    expires = iso(datetime.fromisoformat(now) + LINK_VALID)
    uow.logins.delete_expired_web_logins(now)
    uow.logins.add_web_login(token_hash(token), "link", person.id, now, expires)
    actor, detail = (None, f"operator={operator}") if operator else (person.id, None)
    uow.audit.audit(
        "web.link", now, actor_id=actor, subject_type="person", subject_id=person.id, detail=detail
    )
    return base_url.rstrip("/") + LOGIN_PATH + token


def log_in(uow: UnitOfWork, settings: Settings, token: str, now: datetime) -> Session | None:
    """Spend a link and open a session for its person; None when the link is unknown, used
    or expired (each is told the same way: a link says nothing about why it fails)."""
    stamp = iso(now)
    person_id = uow.logins.redeem_web_link(token_hash(token), stamp)
    person = uow.people.get_person(person_id) if person_id is not None else None
    if person is None:
        return None
    session, expires = new_token(), now + SESSION_VALID
    uow.logins.add_web_login(token_hash(session), "session", person.id, stamp, iso(expires))
    uow.audit.audit(
        "web.login", stamp, actor_id=person.id, subject_type="person", subject_id=person.id
    )
    return Session(session, Viewer(person, role_of(settings, person)), expires)


def log_out(uow: UnitOfWork, token: str | None) -> None:
    if token:
        uow.logins.end_web_session(token_hash(token))
