"""One outbox for every reply: written with its cause, sent by the adapter of its platform.

A reply the bot committed to must survive a crash between the commit and the send, and the
platform's retry of the event must then be a replay (the event is claimed) that still finds
its reply waiting. So replies are rows of the store's outbox, written in the transaction of
their cause: ``queue_answers`` with an event's claim (``bot.core``), ``Outbox.queue`` with a
reminder's mark or a digest's fire time (``App.due``). Every adapter - Matrix, Slack, the
console - takes the rows of its platform (``Outbox.take``), sends them and marks each one
delivered only after the platform accepted it (``Outbox.delivered``). A failed send is tried
again after a pause that doubles, ``Retry.attempts`` times at most, then given up with a log
line; a digest counts as sent once all of its rows are delivered.

Which adapter sends a scheduled reply when Matrix and Slack run side by side: the address
tells. Matrix ids carry a server name (``@user:server``, ``!room:server``, ``#alias:server``),
Slack ids are upper case with a type letter (``U…``/``W…`` people, ``C…``/``G…``/``D…``
channels); any other address (a console name) belongs to the platform its person writes from.
One that no running adapter serves goes to whichever adapter asks first, so it is delivered or
its failure logged instead of waiting forever. Replies to an event go back to its platform.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import iso
from bot.events import Action, Attachment, Button, Message, Reply
from bot.ops import GIVEN_UP
from bot.services import digests
from bot.text_input import without_lone_surrogates
from bot.uow import UnitOfWork
from knowledge.outbox import KINDS, NewParcel, Parcel
from knowledge.store import Store

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Origin:
    """The event a reply answers: where the adapter sends the reply unless it says otherwise."""

    platform: str
    event_id: str
    room: str | None
    user: str | None
    message_id: str | None  # the message answered, for a thread's reply fallback; None: a click

    @classmethod
    def of(cls, event: Message | Action) -> Origin:
        answered = event.event_id if isinstance(event, Message) else None
        return cls(event.platform, event.event_id, event.room, event.sender.user_id, answered)


@dataclass(frozen=True)
class Delivery:
    """A reply to send, as an adapter needs it; from the outbox unless ``id`` is None."""

    reply: Reply
    origin_room: str | None
    origin_user: str | None
    reply_to: str | None
    key: str  # unique beyond one database: Matrix's transaction id
    id: int | None = None  # the outbox row; None: a refusal made before any database work
    kind: str = "answer"
    cause: str = ""
    attempts: int = 1


def unqueued(reply: Reply, origin: Origin | None) -> Delivery:
    """A reply that never entered the outbox (a rate-limit refusal, "the store is busy")."""
    if origin is None:
        return Delivery(reply, None, None, None, uuid.uuid4().hex)
    return Delivery(reply, origin.room, origin.user, origin.message_id, uuid.uuid4().hex)


class NotDelivered(Exception):
    """The platform refused a send. ``reason`` goes to the log (never message text);
    ``final``: trying again cannot help."""

    def __init__(self, reason: str, *, final: bool = False):
        super().__init__(reason)
        self.reason, self.final = reason, final


@dataclass(frozen=True)
class Retry:
    """When a failed send is tried again: after ``first`` seconds, doubling up to ``most``,
    ``attempts`` times in all. ``lease``: how long a taken row is left to its taker (a process
    that dies while sending leaves it to others after that)."""

    first: float = 60.0
    most: float = 3600.0
    attempts: int = 8
    lease: float = 600.0

    def pause(self, attempt: int) -> timedelta:
        return timedelta(seconds=min(self.most, self.first * 2 ** max(0, attempt - 1)))


def to_content(reply: Reply) -> str:
    """Text, buttons and files of a reply as JSON; lone surrogates (which no database takes
    as text) become U+FFFD."""
    data = {
        "text": reply.text,
        "buttons": [asdict(button) for button in reply.buttons],
        **({"notes_direct": True} if reply.notes_direct else {}),
        "attachments": [
            {"filename": a.filename, "mime_type": a.mime_type,
             "data": base64.b64encode(a.data).decode("ascii")}
            for a in reply.attachments
        ],
    }  # fmt: skip
    return without_lone_surrogates(json.dumps(data, ensure_ascii=False))


def to_delivery(parcel: Parcel) -> Delivery:
    data: dict[str, Any] = json.loads(parcel.content or "{}")
    reply = Reply(
        data.get("text", ""),
        room=parcel.room,
        thread_id=parcel.thread_id,
        buttons=tuple(Button(**b) for b in data.get("buttons", [])),
        direct_to=parcel.direct_to,
        attachments=tuple(
            Attachment(a["filename"], base64.b64decode(a["data"]), a["mime_type"])
            for a in data.get("attachments", [])
        ),
        notes_direct=bool(data.get("notes_direct")),
    )
    return Delivery(
        reply, parcel.origin_room, parcel.origin_user, parcel.reply_to, parcel.delivery_key,
        parcel.id, parcel.kind, parcel.cause, parcel.attempts,
    )  # fmt: skip


def queue_answers(store: Store, replies: Iterable[Reply], origin: Origin, now: str) -> None:
    """The replies to an event into the outbox; run inside the transaction that claims it."""
    for reply in replies:
        recipient = reply.direct_to or (origin.user if reply.room is None else None)
        parcel = NewParcel(
            "answer", origin.event_id, origin.platform, to_content(reply), recipient,
            reply.direct_to, reply.room, reply.thread_id, origin.room, origin.user,
            origin.message_id,
        )  # fmt: skip
        store.add_parcel(parcel, now)


@dataclass
class Outbox:
    """Scheduled replies in, and every adapter's view of the outbox.

    ``running``: the adapters this process runs (set by ``ideenlotse run``); ``retry``: when a
    failed send is tried again. The store is passed in, so an ``App`` made by hand has one too.
    """

    running: tuple[str, ...] = ()
    retry: Retry = field(default_factory=Retry)

    def queue(
        self, store: Store, replies: Iterable[Reply], *, kind: str, cause: str, now: str
    ) -> None:
        """Scheduled replies (``kind`` reminder or digest) into the outbox; run inside the
        transaction that records them as made."""
        for reply in replies:
            platform = self.platform_for(store, reply.direct_to or reply.room)
            parcel = NewParcel(
                kind, cause, platform, to_content(reply), reply.direct_to, reply.direct_to,
                reply.room, reply.thread_id,
            )  # fmt: skip
            store.add_parcel(parcel, now)

    def platform_for(self, store: Store, address: str | None) -> str | None:
        """The adapter that knows ``address``; None: whichever asks first."""
        platform = platform_of(address)
        if platform is None and address:
            platforms = {person.platform for person in store.people_with_user_id(address)}
            platform = platforms.pop() if len(platforms) == 1 else None
        if self.running and platform not in self.running:
            return None
        return platform

    def take(
        self,
        store: Store,
        platform: str,
        now: datetime,
        *,
        kinds: Sequence[str] = KINDS,
        cause: str | None = None,
    ) -> list[Delivery]:
        """The oldest rows due for ``platform``, each now the caller's to send and mark."""
        lease = now + timedelta(seconds=self.retry.lease)
        with store.transaction():
            parcels = store.take_parcels(platform, iso(now), iso(lease), kinds=kinds, cause=cause)
        return [to_delivery(parcel) for parcel in parcels]

    def delivered(self, store: Store, deliveries: Sequence[Delivery], now: datetime) -> None:
        """The platform accepted these; a digest whose last row this was counts as sent."""
        ids = [d.id for d in deliveries if d.id is not None]
        if not ids:
            return
        stamp = iso(now)
        with UnitOfWork(store) as uow:
            forgotten = uow.store.mark_delivered(ids, stamp)
            digests.mark_sent(uow, [d.cause for d in deliveries if d.kind == "digest"], stamp)
        if forgotten:  # an erasure's confirmation: the scrub after the erasure wrote it into
            store.scrub(stamp)  # the file, where it stayed while another process was open

    def failed(
        self, store: Store, delivery: Delivery, now: datetime, reason: str, *, final: bool = False
    ) -> None:
        """Try again after the pause, or give up after the last attempt; logged either way."""
        if delivery.id is None:
            log.warning("outbox: a reply not delivered (%s)", reason)
            return
        if final or delivery.attempts >= self.retry.attempts:
            with store.transaction():
                store.give_up_parcel(delivery.id, iso(now))
            GIVEN_UP.labels(delivery.kind).inc()  # trial 29: /metrics never showed one
            log.error("outbox: gave up %s #%d after %d attempt(s): %s", delivery.kind,
                      delivery.id, delivery.attempts, reason)  # fmt: skip
            return
        retry_at = now + self.retry.pause(delivery.attempts)
        with store.transaction():
            store.retry_parcel(delivery.id, iso(retry_at))
        log.warning("outbox: %s #%d not delivered (%s); attempt %d of %d, again at %s",
                    delivery.kind, delivery.id, reason, delivery.attempts, self.retry.attempts,
                    iso(retry_at))  # fmt: skip

    def put_back(self, store: Store, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Taken but not tried: due again at once, the attempt not counted."""
        with store.transaction():
            for delivery in deliveries:
                if delivery.id is not None:
                    store.put_back_parcel(delivery.id, iso(now))
