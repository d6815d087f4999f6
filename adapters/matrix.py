"""The Matrix adapter: one sync loop that turns room events into bot events and delivers replies.

Order of work per sync: decide invites, hand each new event to ``Bot.process`` (off the event
loop; it commits the event's replies to the store's outbox), then save the sync token, then
send what the outbox holds for Matrix (``adapters.drain``). So a reply the bot has committed
to survives a crash, and a restart neither replays nor skips messages. Failures are values
(nio's ``ErrorResponse``) or connection errors: rate limits wait ``retry_after_ms``, network
errors and homeserver restarts back off and try again.

``MatrixAdapter`` owns the nio client, this loop, the handling of events and an erased person's
clean-up; it has parts it hands the client to, each in its own module: credentials and login
(``matrix_connection``), the retries every call to the homeserver goes through
(``matrix_retry``), invites (``matrix_invites``), sending the outbox (``matrix_outbox``) and key
upkeep (``matrix_keys``). The parts know nothing of the adapter, only what they are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    MatrixRoom,
    MegolmEvent,
    RoomMessagesResponse,
    SyncResponse,
)
from nio.exceptions import LocalProtocolError

from adapters import matrix_events as events
from adapters.drain import in_background
from adapters.matrix_connection import Credentials, log_in, open_client
from adapters.matrix_crypto import forget_user as forget_in_crypto_store
from adapters.matrix_invites import InviteGuard
from adapters.matrix_keys import KeyUpkeep
from adapters.matrix_outbox import MatrixOutbox
from adapters.matrix_retry import TRANSIENT, Backoff, Retrying
from adapters.matrix_state import MatrixState, move_legacy_outbox
from bot.app import App
from bot.config import ConfigError, Settings
from bot.delivery import Origin, unqueued
from bot.domain_events import PersonErased
from bot.events import Action, Message

# The parts in matrix_connection, _retry, _invites, _outbox and _keys log under this name too:
# to an operator the adapter is one thing (and the tests capture "adapters.matrix").
log = logging.getLogger(__name__)

MAX_GAP = 5000  # events fetched back after a long outage, per room
TYPING_DELAY = 0.3  # seconds: a quick answer needs no typing notice, a slower one shows it
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}


async def serve(app: App, settings: Settings, environ: Mapping[str, str]) -> None:
    """Run the Matrix bot until cancelled (``ideenlotse run`` calls this)."""
    adapter = MatrixAdapter(app, settings, Credentials.from_environ(environ))
    try:
        await adapter.run()
    finally:
        await adapter.close()


class MatrixAdapter:
    """One bot account's connection: ``client`` is made from the credentials unless one is
    given (a stand-in that answers without a homeserver)."""

    def __init__(
        self,
        app: App,
        settings: Settings,
        credentials: Credentials,
        *,
        backoff: Backoff = Backoff(),  # noqa: B008  (frozen: safe to share)
        sync_timeout_ms: int = 30_000,
        client: AsyncClient | None = None,
    ):
        self.app, self.settings, self.credentials = app, settings, credentials
        self.sync_timeout_ms = sync_timeout_ms
        folder = Path(settings.data_dir) / "matrix"
        folder.mkdir(parents=True, exist_ok=True)
        self.state = MatrixState.load(folder / "state.json")
        if self.state.user_id not in (None, credentials.user_id):
            log.warning("matrix: the data dir belonged to another user; starting afresh")
            self.state = MatrixState(self.state.path)
        if client is None:
            device = self.state.device_id or credentials.device_id
            client = open_client(credentials, folder, device, sync_timeout_ms)
        self._client = client
        self.retrying = Retrying(backoff)
        options = settings.matrix
        self.keys = KeyUpkeep(client, self.retrying, options.device_trust)
        self.invites = InviteGuard(
            client, self.state, self.retrying, me=self.me, allowed=options.allowed_inviters
        )
        self.outbox = MatrixOutbox(client, app, self.state, options, self.retrying, self.keys)
        self.idea_rooms: set[str] = set(settings.idea_rooms)
        self.loop = asyncio.get_running_loop()
        if app is not None:  # None: a settings check that never handles a message
            app.bot.subscribe(self._on_domain_event)
        self.follow_ups: set[asyncio.Task[None]] = set()  # slow work of handled events
        self.erased: dict[str, str | None] = {}  # user id -> the direct room they had

    @property
    def client(self) -> AsyncClient:
        """Read-only: the parts were handed this client; another one is passed in instead."""
        return self._client

    @property
    def me(self) -> str:
        return self.credentials.user_id

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        await self.login()
        await self._join_idea_rooms()
        if self.state.legacy_outbox:  # left by an older version
            await asyncio.to_thread(move_legacy_outbox, self.state, self.app)
        for room_id in self.state.pending_joins:  # a join that a stop interrupted
            self.invites.start_join(room_id)
        first = True
        while True:
            sync = await self.retrying(self._sync_call(first), "sync", permanent_ok=True)
            if not isinstance(sync, SyncResponse):
                await self._on_sync_refused(sync)
                continue
            first = False
            await self.keys.maintain()  # new members' devices get keys before anything is sent
            await self._on_sync(sync, history=self.state.sync_token is None)
            await self.outbox.drain()
            await self._leave_erased()
            await self.outbox.deliver_due()

    async def login(self) -> None:
        await log_in(self.client, self.credentials, self.state, self.retrying)

    def _sync_call(self, first: bool) -> Callable[[], Awaitable[Any]]:
        def call() -> Awaitable[Any]:
            return self.client.sync(
                timeout=0 if self.outbox.waiting or first else self._sync_timeout(),
                sync_filter=SYNC_FILTER,
                since=self.state.sync_token,
                full_state=first,  # nio keeps rooms in memory only: rebuild after a start
            )

        return call

    async def _on_sync_refused(self, refusal: Any) -> None:
        if getattr(refusal, "status_code", None) == "M_UNKNOWN_TOKEN" and self.credentials.password:
            log.warning("matrix: logged out by the homeserver; logging in again")
            self.client.access_token = ""
            await self.login()
            return
        raise ConfigError(f"the Matrix homeserver refused to sync: {refusal}")

    def _sync_timeout(self) -> int:
        left = max(0.0, self.outbox.next_due - time.monotonic())
        return int(min(self.sync_timeout_ms, left * 1000 + 1))

    async def close(self) -> None:
        for task in [self.outbox.due_task, *self.invites.joining.values()]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state.save()
        await self.client.close()

    async def _join_idea_rooms(self) -> None:
        for room in self.settings.idea_rooms:
            joined = await self.retrying(partial(self.client.join, room), "join", True)
            if isinstance(joined, ErrorResponse):
                log.warning("matrix: cannot join idea room %s: %s", room, joined)
            else:
                self.idea_rooms.add(joined.room_id)

    # -- incoming ---------------------------------------------------------------------------

    async def _on_sync(self, sync: SyncResponse, *, history: bool) -> None:
        for room_id, invited in sync.rooms.invite.items():
            await self.invites.on_invite(room_id, invited.invite_state)
        for room_id, joined in sync.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            timeline = list(joined.timeline.events)
            invite = None
            if room_id in self.state.pending_joins:
                invite = await self.invites.verify(room_id, timeline)
                if invite is None:
                    continue  # left: nothing in that room is answered
            if history:  # the very first sync: all of it is history
                continue
            if joined.timeline.limited and self.state.sync_token:
                gap = await self._gap(room_id, joined.timeline.prev_batch, self.state.sync_token)
                timeline = gap + timeline
            fresh = (
                events.since_invite(timeline, invite)
                if invite is not None
                else events.after_own_join(timeline, self.me)
            )
            for event in fresh:
                try:
                    await self._on_event(room, event)
                except Exception:  # one bad event never stops the bot
                    log.exception("matrix: could not handle an event in %s", room_id)
        self.state.sync_token = sync.next_batch
        self.state.save()

    async def _gap(self, room_id: str, newest: str | None, since: str) -> list[Any]:
        """Events a limited sync left out (more than fit in one sync while the bot was away)."""
        older: list[Any] = []
        token = newest
        while token and len(older) < MAX_GAP:
            page = await self.retrying(
                partial(self.client.room_messages, room_id, token, since, limit=100),
                "fetch missed events",
                permanent_ok=True,
            )
            if not isinstance(page, RoomMessagesResponse) or not page.chunk:
                break
            older = list(reversed(page.chunk)) + older  # pages come newest first
            token = page.end if page.end != token else None
        log.info("matrix: fetched %d events a sync left out in %s", len(older), room_id)
        return older

    async def _on_event(self, room: MatrixRoom, event: Any) -> None:
        if isinstance(event, MegolmEvent):
            log.warning("matrix: could not decrypt an event in %s", room.room_id)
            with contextlib.suppress(*TRANSIENT, LocalProtocolError):
                await self.client.request_room_key(event)
            return
        name = room.user_name(event.sender) or event.sender
        direct = self._is_direct(room, event.sender)
        incoming: Message | Action | None = events.to_message(
            event, room.room_id, name, me=self.me, is_direct=direct
        ) or events.to_action(
            event, room.room_id, name, me=self.me, buttons=self.state.buttons, is_direct=direct
        )
        if incoming is None:
            return
        started = asyncio.Event()

        async def show_typing() -> None:
            await asyncio.sleep(TYPING_DELAY)
            started.set()
            await self._typing(room.room_id, True)

        typing = asyncio.create_task(show_typing())
        begun = time.perf_counter()
        try:
            handled = await asyncio.to_thread(
                self.app.bot.process, incoming, idea_room=room.room_id in self.idea_rooms,
                defer=True,  # a !digest's preview must not hold up the next events
            )  # fmt: skip
        finally:
            if not started.is_set():
                typing.cancel()
        log.debug("matrix: handled an event in %.0f ms", (time.perf_counter() - begun) * 1000)
        if not handled.queued:  # a refusal made before any database work
            for reply in handled.replies:
                await self.outbox.deliver_one(unqueued(reply, Origin.of(incoming)))
        await self.outbox.drain()
        if handled.later is not None:
            in_background(self.follow_ups, handled.later, self.outbox.drain)
        if started.is_set():  # the notice went out meanwhile; take it back now
            await typing
            await self._typing(room.room_id, False)

    def _is_direct(self, room: MatrixRoom, sender: str) -> bool:
        """A room for the sender's private business (their questions' answers, their lists):
        just the two of them in it, and nobody else can read or join it. Trial 29: a public
        room made by someone who then left passed as private (it was even kept as that
        person's direct room), and they read another's answers and lists from outside."""
        return room.room_id not in self.idea_rooms and events.private_to(room, sender, self.me)

    async def _typing(self, room_id: str, on: bool) -> None:
        with contextlib.suppress(*TRANSIENT, LocalProtocolError):
            await self.client.room_typing(room_id, on, timeout=30_000)

    # -- an erased person -------------------------------------------------------------------

    def _on_domain_event(self, event: object) -> None:
        """Told from the worker thread that handled the message: the state belongs to the loop."""
        if isinstance(event, PersonErased) and event.platform == "matrix":
            self.loop.call_soon_threadsafe(self._forget, event.user_id)

    def _forget(self, user_id: str) -> None:
        self.erased[user_id] = self.state.direct_rooms.get(user_id)
        self.state.forget(user_id)
        self.state.save()

    async def _leave_erased(self) -> None:
        """Once the replies to an erased person are out: leave the direct room that was only
        theirs and drop their keys and sessions from the crypto store."""
        if self.outbox.waiting:
            return
        while self.erased:
            user_id, room_id = self.erased.popitem()
            if room_id is not None:  # forgotten too: nio then holds no room they share with it
                await self.retrying(partial(self.client.room_leave, room_id), "leave", True)
                await self.retrying(partial(self.client.room_forget, room_id), "forget", True)
            try:
                forget_in_crypto_store(self.client, user_id)
            except Exception:  # the erasure itself is done; this must not stop the bot
                log.exception("matrix: could not remove an erased person from the crypto store")
