"""The Lagebild cockpit's core side: login links, sessions, CSRF tokens, and acting from a page.

Nobody types a password. A person asks in chat (``!lagebild``) or an administrator at the
server's terminal (``ideenlotse web-link``) for a link (the service ``bot.services.web``); it
is valid once, for ten minutes, and becomes a session of eight hours. Both are rows of the
store (only hashes of the tokens), so a link made by one process opens the server another
process runs, and an erasure ends them.

Who someone is on the page is the person the link was made for; their role is read from the
configuration as in chat (``Bot._person``): the config decides, a console person keeps the
role their console claimed (the terminal vouches for it), everybody else is staff.

Everything a page *does* goes through the bot like a button click: the command the chat would
take, handled by ``Bot.process`` with its checks (roles, length, exactly-once) and its outbox.
Replies meant for the person on the page are shown there and marked delivered; the others
(the answer for the asker, the notice for an idea's author) stay in the outbox for the chat
adapters, exactly as if the command had been typed in chat.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import iso
from bot.commands import STEWARDS
from bot.config import Settings, reload_roles
from bot.delivery import Outbox
from bot.events import Message, Reply, Sender
from bot.services.privacy import identities
from knowledge.records import Person
from knowledge.store import Store

if TYPE_CHECKING:  # bot.core imports the handlers, one of which imports this module
    from bot.core import Bot

LINK_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=8)
LOGIN_PATH = "/login/"
CONSOLE = "console"


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, so the database logs nobody in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Viewer:
    """The person looking at the cockpit, with the role the configuration gives them now."""

    person: Person
    role: str

    @property
    def steward(self) -> bool:
        """CDO, CIO or admin: may see and act on questions and set idea statuses."""
        return self.role in STEWARDS


@dataclass(frozen=True)
class Session:
    token: str  # the cookie's value; the store has its hash only
    viewer: Viewer
    expires: datetime


def role_of(settings: Settings, person: Person) -> str:
    """The role as chat gives it: the config first; a console person's own claim; else staff."""
    claimed = person.role if person.platform == CONSOLE else None
    return settings.role_for(person.platform_user_id, claimed) or "staff"


def link_person(store: Store, name: str, settings: Settings, now: datetime) -> Person:
    """The person ``ideenlotse web-link --as NAME`` means: a platform user id as ``export
    --person`` takes it (``matrix:@anna:stadt.de`` where several platforms know the id), or,
    for somebody the store does not know yet, a console person of that name, as
    ``ideenlotse chat --as NAME`` would make them. Raises LookupError when NAME is ambiguous
    or only a display name."""
    try:
        found = identities(store, name)
    except LookupError:
        if store.people_named(name):
            raise
        role = settings.role_for(name) or "staff"
        return store.upsert_person(CONSOLE, name, name, iso(now), role=role)
    if len(found) > 1:
        ids = ", ".join(f"{p.platform}:{p.platform_user_id}" for p in found)
        raise LookupError(f"{name!r} is known on several platforms; use one of: {ids}")
    return found[0]


def viewer(store: Store, settings: Settings, token: str | None, now: datetime) -> Viewer | None:
    """Who holds the session ``token``, as they are now (name, role); None: no session."""
    if not token:
        return None
    with store.transaction():
        person_id = store.web_session_person(token_hash(token), iso(now))
        person = store.get_person(person_id) if person_id is not None else None
    return None if person is None else Viewer(person, role_of(settings, person))


def csrf_token(session_token: str) -> str:
    """The token every form of a session carries: derived from the session's secret, so it
    needs no storage and no other site can know it."""
    return hmac.new(session_token.encode("utf-8"), b"lagebild-csrf", hashlib.sha256).hexdigest()


def csrf_valid(session_token: str | None, given: str | None) -> bool:
    if not session_token or not given:
        return False
    return hmac.compare_digest(csrf_token(session_token), given)


class CurrentRoles:
    """The settings with the roles the config file says now, re-read when it changed (as the
    bot does before every message), for pages that only look."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._stamp: int | None = None

    def __call__(self) -> Settings:
        path = self.settings.config_file
        if path is None:
            return self.settings
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return self.settings
        if stamp != self._stamp:
            self._stamp = stamp
            self.settings = reload_roles(self.settings)
        return self.settings


@dataclass(frozen=True)
class Done:
    """What acting from a page gave: the replies for the person on the page."""

    replies: tuple[Reply, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.replies)


def act(bot: Bot, outbox: Outbox, who: Viewer, command: str, *args: object) -> Done:
    """Run a chat command for ``who`` as if they had typed it in a direct message to the bot.

    The event is the person's own platform's (their replies, the asker's answer and the
    author's notice go out through that platform's outbox), with an id of its own; the
    command is written with the configured prefix. What is addressed to the person here is
    taken from the outbox and returned (the page shows it); the rest stays for the chat.
    """
    person = who.person
    words = " ".join(str(arg) for arg in args if str(arg) != "")
    text = f"{bot.settings.command_prefix}{command} {words}".strip()
    sender = Sender(
        person.platform_user_id, person.display_name, person.department, who.role, person.language
    )
    event_id = f"web:{uuid.uuid4().hex}"
    message = Message(person.platform, event_id, sender, text, is_direct=True)
    handled = bot.process(message)
    if not handled.queued:  # refused before any database work (a rate limit, a busy store)
        return Done(tuple(handled.replies))
    return Done(tuple(_take_mine(bot, outbox, person, event_id)))


def _take_mine(bot: Bot, outbox: Outbox, person: Person, event_id: str) -> list[Reply]:
    """The outbox rows of the event that are for the person on the page: marked delivered
    (the page shows them); the others are put back for the chat adapters at once."""
    now = bot.clock()
    taken = outbox.take(bot.store, person.platform, now, kinds=("answer",), cause=event_id)
    mine = [d for d in taken if _for(d.reply, person.platform_user_id)]
    others = [d for d in taken if not _for(d.reply, person.platform_user_id)]
    if others:
        outbox.put_back(bot.store, others, now)
    outbox.delivered(bot.store, mine, now)
    return [d.reply for d in mine]


def _for(reply: Reply, user_id: str) -> bool:
    return reply.room is None and reply.direct_to in (None, user_id)


def attachments(done: Done) -> Sequence[tuple[str, bytes, str]]:
    """(file name, bytes, MIME type) of the files among the replies (``!meine-daten``)."""
    return [(a.filename, a.data, a.mime_type) for r in done.replies for a in r.attachments]
