"""The Matrix adapter: one sync loop that turns room events into bot events and delivers replies.

Order of work per sync: decide invites, hand each new event to ``Bot.process`` (off the event
loop; it commits the event's replies to the store's outbox), then save the sync token, then
send what the outbox holds for Matrix (``adapters.drain``). So a reply the bot has committed
to survives a crash, and a restart neither replays nor skips messages. Failures are values
(nio's ``ErrorResponse``) or connection errors: rate limits wait ``retry_after_ms``, network
errors and homeserver restarts back off and try again.

``MatrixAdapter`` is this loop and the handling of events; its other parts live beside it: the
client, login, retries and an erased person's clean-up in ``matrix_base``, invites in
``matrix_invites``, sending the outbox in ``matrix_outbox``, key upkeep in ``matrix_keys``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from nio import ErrorResponse, MatrixRoom, MegolmEvent, RoomMessagesResponse, SyncResponse
from nio.exceptions import LocalProtocolError

from adapters import matrix_events as events
from adapters.drain import in_background
from adapters.matrix_base import TRANSIENT, Backoff, Credentials, PermanentError
from adapters.matrix_invites import Invites
from adapters.matrix_outbox import Outbox
from adapters.matrix_state import move_legacy_outbox
from bot.app import App
from bot.config import ConfigError, Settings
from bot.delivery import Origin, unqueued
from bot.events import Action, Message

__all__ = ["Backoff", "Credentials", "MatrixAdapter", "PermanentError", "serve"]

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


class MatrixAdapter(Invites, Outbox):
    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        await self.login()
        await self._join_idea_rooms()
        if self.state.legacy_outbox:  # left by an older version
            await asyncio.to_thread(move_legacy_outbox, self.state, self.app)
        for room_id in self.state.pending_joins:  # a join that a stop interrupted
            self._start_join(room_id)
        first = True
        while True:
            sync = await self._retry(self._sync_call(first), "sync", permanent_ok=True)
            if not isinstance(sync, SyncResponse):
                await self._on_sync_refused(sync)
                continue
            first = False
            await self._maintain_keys()  # new members' devices get keys before anything is sent
            await self._on_sync(sync, history=self.state.sync_token is None)
            await self._drain()
            await self._leave_erased()
            await self._deliver_due()

    def _sync_call(self, first: bool) -> Callable[[], Awaitable[Any]]:
        def call() -> Awaitable[Any]:
            return self.client.sync(
                timeout=0 if self.waiting or first else self._sync_timeout(),
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
        left = max(0.0, self.next_due - time.monotonic())
        return int(min(self.sync_timeout_ms, left * 1000 + 1))

    async def close(self) -> None:
        for task in [self.due_task, *self.joining.values()]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state.save()
        await self.client.close()

    async def _join_idea_rooms(self) -> None:
        for room in self.settings.idea_rooms:
            joined = await self._retry(partial(self.client.join, room), "join", True)
            if isinstance(joined, ErrorResponse):
                log.warning("matrix: cannot join idea room %s: %s", room, joined)
            else:
                self.idea_rooms.add(joined.room_id)

    # -- incoming ---------------------------------------------------------------------------

    async def _on_sync(self, sync: SyncResponse, *, history: bool) -> None:
        for room_id, invited in sync.rooms.invite.items():
            await self._on_invite(room_id, invited.invite_state)
        for room_id, joined in sync.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            timeline = list(joined.timeline.events)
            invite = None
            if room_id in self.state.pending_joins:
                invite = await self._verify_invite(room_id, timeline)
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
            page = await self._retry(
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
        incoming: Message | Action | None = events.to_message(
            event, room.room_id, name, me=self.me, is_direct=self._is_direct(room)
        ) or events.to_action(event, room.room_id, name, me=self.me, buttons=self.state.buttons)
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
                await self._deliver_one(unqueued(reply, Origin.of(incoming)))
        await self._drain()
        if handled.later is not None:
            in_background(self.follow_ups, handled.later, self._drain)
        if started.is_set():  # the notice went out meanwhile; take it back now
            await typing
            await self._typing(room.room_id, False)

    def _is_direct(self, room: MatrixRoom) -> bool:
        if room.room_id in self.idea_rooms:
            return False
        return room.room_id in self.state.direct_rooms.values() or room.member_count <= 2

    async def _typing(self, room_id: str, on: bool) -> None:
        with contextlib.suppress(*TRANSIENT, LocalProtocolError):
            await self.client.room_typing(room_id, on, timeout=30_000)
