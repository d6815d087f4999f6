"""The Matrix adapter: one sync loop that turns room events into bot events and delivers replies.

Order of work per sync: decide invites, hand each new event to ``Bot.process`` (off the event
loop; it commits the event's replies to the store's outbox), then save the sync token, then
send what the outbox holds for Matrix (``adapters.drain``). So a reply the bot has committed
to survives a crash, and a restart neither replays nor skips messages. Failures are values
(nio's ``ErrorResponse``) or connection errors: rate limits wait ``retry_after_ms``, network
errors and homeserver restarts back off and try again.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinedMembersError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomGetStateResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)
from nio.exceptions import LocalProtocolError, OlmUnverifiedDeviceError

from adapters import matrix_events as events
from adapters.drain import drain, in_background
from adapters.matrix_crypto import crypto_store_key
from adapters.matrix_crypto import forget_user as forget_in_crypto_store
from adapters.matrix_render import NUMBER_KEYS, in_thread, to_content, with_buttons
from adapters.matrix_state import MatrixState, move_legacy_outbox
from bot.app import App
from bot.config import ConfigError, MatrixSettings, Settings
from bot.delivery import Delivery, NotDelivered, Origin, unqueued
from bot.domain_events import PersonErased
from bot.events import Action, Attachment, Message

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_GAP = 5000  # events fetched back after a long outage, per room
JOIN_ATTEMPTS = 8  # a federated invite may reach the room's server late: about a minute
TYPING_DELAY = 0.3  # seconds: a quick answer needs no typing notice, a slower one shows it
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}
TRANSIENT = (ClientError, TimeoutError, asyncio.TimeoutError, OSError)
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": MEGOLM}


@dataclass(frozen=True)
class Credentials:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_id: str | None = None
    pickle_key: str | None = field(default=None, repr=False)  # encrypts the crypto store

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Credentials:
        homeserver, user = environ.get("MATRIX_HOMESERVER", ""), environ.get("MATRIX_USER_ID", "")
        password, token = environ.get("MATRIX_PASSWORD"), environ.get("MATRIX_ACCESS_TOKEN")
        if not homeserver.startswith(("http://", "https://")):
            raise ConfigError("MATRIX_HOMESERVER must be a URL such as https://matrix.stadt.de")
        if not (user.startswith("@") and ":" in user):
            raise ConfigError("MATRIX_USER_ID must be a full user id such as @lotse:stadt.de")
        if not (password or token):
            raise ConfigError("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN for the Matrix login")
        return cls(
            homeserver,
            user,
            password,
            token,
            environ.get("MATRIX_DEVICE_ID"),
            environ.get("MATRIX_PICKLE_KEY"),
        )


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts after network errors: doubling from ``first`` up to ``most``."""

    first: float = 0.5
    most: float = 15.0

    def delay(self, attempt: int) -> float:
        return float(min(self.most, self.first * 2 ** min(attempt, 16)))


class PermanentError(Exception):
    """The homeserver refused for good (no such room, forbidden): retrying cannot help."""


async def serve(app: App, settings: Settings, environ: Mapping[str, str]) -> None:
    """Run the Matrix bot until cancelled (``ideenlotse run`` calls this)."""
    adapter = MatrixAdapter(app, settings, Credentials.from_environ(environ))
    try:
        await adapter.run()
    finally:
        await adapter.close()


class MatrixAdapter:
    def __init__(
        self,
        app: App,
        settings: Settings,
        credentials: Credentials,
        *,
        backoff: Backoff = Backoff(),
        sync_timeout_ms: int = 30_000,
    ):
        self.app, self.settings, self.credentials = app, settings, credentials
        self.options: MatrixSettings = settings.matrix
        self.backoff, self.sync_timeout_ms = backoff, sync_timeout_ms
        self.folder = Path(settings.data_dir) / "matrix"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state = MatrixState.load(self.folder / "state.json")
        if self.state.user_id not in (None, credentials.user_id):
            log.warning("matrix: the data dir belonged to another user; starting afresh")
            self.state = MatrixState(self.state.path)
        self.client = AsyncClient(
            credentials.homeserver,
            credentials.user_id,
            device_id=self.state.device_id or credentials.device_id,
            store_path=str(self.folder),
            config=AsyncClientConfig(
                max_limit_exceeded=0,  # rate limits and timeouts are handled in _retry
                max_timeouts=0,
                encryption_enabled=True,
                pickle_key=crypto_store_key(self.folder, credentials.pickle_key),
                store_sync_tokens=False,  # the sync token lives in MatrixState
                request_timeout=self.sync_timeout_ms / 1000 + 30,
            ),
        )
        self.idea_rooms: set[str] = set(settings.idea_rooms)
        self.next_due = 0.0
        self.draining = asyncio.Lock()  # the sync loop and the scheduled jobs both send
        self.waiting = False  # the outbox holds a reply for a room not synced yet
        self.due_task: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.loop = asyncio.get_running_loop()
        if app is not None:  # None: a settings check that never handles a message
            app.bot.subscribe(self._on_domain_event)
        self.due_task.set_result(None)
        self.joining: dict[str, asyncio.Task[None]] = {}
        self.follow_ups: set[asyncio.Task[None]] = set()  # slow work of handled events
        self.erased: dict[str, str | None] = {}  # user id -> the direct room they had

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
        if self.waiting:
            return
        while self.erased:
            user_id, room_id = self.erased.popitem()
            if room_id is not None:  # forgotten too: nio then holds no room they share with it
                await self._retry(partial(self.client.room_leave, room_id), "leave", True)
                await self._retry(partial(self.client.room_forget, room_id), "forget", True)
            try:
                forget_in_crypto_store(self.client, user_id)
            except Exception:  # the erasure itself is done; this must not stop the bot
                log.exception("matrix: could not remove an erased person from the crypto store")

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

    async def login(self) -> None:
        creds = self.credentials
        if creds.access_token:
            self.client.access_token = creds.access_token
            who = await self._retry(self.client.whoami, "whoami", permanent_ok=True)
            if not isinstance(who, WhoamiResponse) or who.user_id != creds.user_id:
                raise ConfigError(f"MATRIX_ACCESS_TOKEN is not valid for {creds.user_id}")
            device = who.device_id or creds.device_id
            if not device:
                raise ConfigError("set MATRIX_DEVICE_ID: the access token names no device")
            self.client.restore_login(creds.user_id, device, creds.access_token)
        else:
            assert creds.password is not None
            password = creds.password
            response = await self._retry(
                lambda: self.client.login(password, device_name="Ideenlotse"),
                "login",
                permanent_ok=True,
            )
            if not isinstance(response, LoginResponse):
                raise ConfigError(f"Matrix login as {creds.user_id} failed: {response}")
        self.state.user_id, self.state.device_id = creds.user_id, self.client.device_id
        self.state.save()
        log.info("matrix: logged in as %s, device %s", creds.user_id, self.client.device_id)
        if self.client.should_upload_keys:
            await self._retry(self.client.keys_upload, "keys upload")

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

    async def _on_invite(self, room_id: str, invite_state: list[Any]) -> None:
        claimed = events.invite_claims(invite_state, self.me)
        if not claimed or room_id in self.joining:
            return
        allowed = self.options.allowed_inviters
        if not any(events.accepts_invite(inviter, self.me, allowed) for inviter in claimed):
            log.info("matrix: declined an invite to %s from another server", room_id)
            await self._retry(lambda: self.client.room_leave(room_id), "decline", True)
            return
        if room_id not in self.state.pending_joins:
            self.state.pending_joins.append(room_id)
            self.state.save()
        self._start_join(room_id)

    def _start_join(self, room_id: str) -> None:
        """Join beside the sync loop: a federated join may have to wait for the invite."""
        task = asyncio.create_task(self._join_invited(room_id))
        self.joining[room_id] = task
        task.add_done_callback(lambda _: self.joining.pop(room_id, None))

    async def _join_invited(self, room_id: str) -> None:
        """Join, retrying "not invited" with back-off: under load the room's server may not
        have the invite yet when the bot's server asks to join."""
        for attempt in range(JOIN_ATTEMPTS):
            joined = await self._retry(lambda: self.client.join(room_id), "join", True)
            if not isinstance(joined, ErrorResponse):
                return  # the next sync brings the room, and with it the real inviter
            if joined.status_code != "M_FORBIDDEN" or attempt == JOIN_ATTEMPTS - 1:
                break
            wait = self.backoff.delay(attempt)
            log.info("matrix: joining %s refused (%s); retrying in %.1f s", room_id, joined, wait)
            await asyncio.sleep(wait)
        log.warning("matrix: could not join %s: %s", room_id, joined)
        with contextlib.suppress(ValueError):
            self.state.pending_joins.remove(room_id)
            self.state.save()

    async def _verify_invite(self, room_id: str, timeline: list[Any]) -> events.Invite | None:
        """Who really invited the bot, read from the room's history now that it is a member.

        The invite's stripped state is written by the inviting server and may name anyone (a
        forged "from @anna" ahead of the real invite from @evil). So the bot leaves when the
        real inviter may not invite it, and a direct room is recorded only from this event.
        """
        replaced = events.replaced_by_own_join(timeline, self.me)
        if replaced is None:  # the join is not in this sync's timeline: ask for the state
            state = await self._retry(lambda: self.client.room_get_state(room_id), "state", True)
            if isinstance(state, RoomGetStateResponse):
                own = [e for e in state.events if e.get("state_key") == self.me]
                replaced = next((e.get("unsigned", {}).get("replaces_state") for e in own), None)
        invite = None
        if isinstance(replaced, str):
            fetched = await self._retry(
                partial(self.client.room_get_event, room_id, replaced), "fetch invite", True
            )
            if isinstance(fetched, RoomGetEventResponse):
                invite = events.verified_invite(fetched.event.source, self.me)
        self.state.pending_joins.remove(room_id)
        allowed = self.options.allowed_inviters
        if invite is None or not events.accepts_invite(invite.inviter, self.me, allowed):
            inviter = invite.inviter if invite else "an unknown user"
            log.warning("matrix: left %s: invited by %s, who may not invite the bot", room_id,
                        inviter)  # fmt: skip
            await self._retry(lambda: self.client.room_leave(room_id), "leave", True)
            self.state.save()
            return None
        if invite.is_direct:
            self.state.direct_rooms.setdefault(invite.inviter, room_id)
        self.state.save()
        return invite

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

    async def _deliver_due(self) -> None:
        """Start the scheduled jobs; they run beside the sync loop (a digest takes a while)."""
        if time.monotonic() < self.next_due or not self.due_task.done():
            return
        self.next_due = time.monotonic() + self.options.due_interval_seconds
        self.due_task = asyncio.create_task(self._run_due())

    async def _run_due(self) -> None:
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self.app.due)
        except Exception:
            log.exception("matrix: scheduled jobs failed; they run again next time")
        log.debug("matrix: scheduled jobs took %.0f ms", (time.perf_counter() - started) * 1000)
        await self._drain()

    # -- outgoing ---------------------------------------------------------------------------

    async def _drain(self) -> None:
        """Send what the outbox holds for Matrix, in order; a reply to a room not synced yet
        waits, with the ones after it, for the next sync."""
        async with self.draining:
            self.waiting = await drain(self.app, "matrix", self._deliver_one)

    async def _deliver_one(self, item: Delivery) -> bool:
        """One reply; a refusal for good is dropped (logged), as retrying cannot help."""
        try:
            return await self._deliver(item)
        except PermanentError as exc:
            if item.id is None:
                log.error("matrix: dropped a reply that cannot be delivered: %s", exc)
                return True
            raise NotDelivered(str(exc), final=True) from None

    async def _deliver(self, item: Delivery) -> bool:
        reply = item.reply
        room_id: str | None = reply.room or item.origin_room
        if reply.direct_to is not None:
            room_id = await self._direct_room(reply.direct_to)
        if room_id is None:
            raise PermanentError("a scheduled reply without a room or recipient")
        room = self.client.rooms.get(room_id)
        if room is None:
            return False  # just created: the next sync brings it
        thread = reply.thread_id if room_id == item.origin_room or reply.room else None
        content = to_content(with_buttons(reply.text, reply.buttons))
        if thread is not None:
            answered = item.reply_to if room_id == item.origin_room else None
            content = in_thread(content, thread, answered or thread)
        try:
            sending = time.perf_counter()
            event_id = await self._send(room, content, item.key)
            log.debug("matrix: sent in %.0f ms", (time.perf_counter() - sending) * 1000)
        except PermanentError:
            if reply.direct_to is None or self.state.direct_rooms.get(reply.direct_to) != room_id:
                raise
            del self.state.direct_rooms[reply.direct_to]  # the person left it: open a new one
            self.state.save()
            return False
        if reply.buttons:
            for index, _ in enumerate(reply.buttons[: len(NUMBER_KEYS)]):
                await self._react(room, event_id, NUMBER_KEYS[index], f"{item.key}-r{index}")
            commands = [b.command for b in reply.buttons[: len(NUMBER_KEYS)]]
            self.state.remember_buttons(event_id, thread, commands)
        for index, attachment in enumerate(reply.attachments):
            file_content = await self._upload(room, attachment)
            if thread is not None:
                file_content = in_thread(file_content, thread, event_id)
            await self._send(room, file_content, f"{item.key}-f{index}")
        return True

    async def _direct_room(self, user_id: str) -> str:
        known = self.state.direct_rooms.get(user_id)
        if known is not None:
            return known
        initial = [ENCRYPTION] if self.options.encrypt_direct_rooms else []
        created = await self._retry(
            lambda: self.client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.trusted_private_chat,
                initial_state=initial,
            ),
            "create direct room",
            permanent_ok=True,
        )
        if not isinstance(created, RoomCreateResponse):
            raise PermanentError(f"no direct room with {user_id}: {created}")
        self.state.direct_rooms[user_id] = created.room_id
        self.state.save()
        return created.room_id

    async def _send(self, room: MatrixRoom, content: dict[str, Any], tx_id: str) -> str:
        """Send one event; the transaction id makes a retried send arrive once."""
        ignore_unverified = self.options.device_trust == "all"

        async def attempt() -> Any:
            try:
                return await self.client.room_send(
                    room.room_id, "m.room.message", content, tx_id, ignore_unverified
                )
            except OlmUnverifiedDeviceError:
                self._apply_trust()  # a device appeared since the last key query
                raise TimeoutError("new device found, retrying") from None

        if room.encrypted and not room.members_synced:
            members = await self._retry(lambda: self.client.joined_members(room.room_id), "members")
            if isinstance(members, JoinedMembersError):
                raise PermanentError(str(members))
            await self._maintain_keys()
        response = await self._retry(attempt, "send", permanent_ok=True)
        if not isinstance(response, RoomSendResponse):
            raise PermanentError(f"{room.room_id}: {response}")
        return str(response.event_id)

    async def _react(self, room: MatrixRoom, event_id: str, key: str, tx_id: str) -> None:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self._retry(
            lambda: self.client.room_send(room.room_id, "m.reaction", content, tx_id, True),
            "react",
            permanent_ok=True,
        )
        if isinstance(response, ErrorResponse):
            log.warning("matrix: could not add a button reaction: %s", response)

    async def _upload(self, room: MatrixRoom, attachment: Attachment) -> dict[str, Any]:
        data = attachment.data

        async def attempt() -> Any:
            response, keys = await self.client.upload(
                lambda *_: io.BytesIO(data),
                content_type=attachment.mime_type,
                filename=attachment.filename,
                encrypt=room.encrypted,
                filesize=len(data),
            )
            return response if not isinstance(response, UploadResponse) else (response, keys)

        uploaded = await self._retry(attempt, "upload", permanent_ok=True)
        if isinstance(uploaded, ErrorResponse):
            raise PermanentError(f"upload of {attachment.filename}: {uploaded}")
        response, keys = uploaded
        kind = "m.image" if attachment.mime_type.startswith("image/") else "m.file"
        content: dict[str, Any] = {
            "msgtype": kind,
            "body": attachment.filename,
            "filename": attachment.filename,
            "info": {"mimetype": attachment.mime_type, "size": len(data)},
        }
        if keys is not None:
            content["file"] = keys | {"url": response.content_uri}
        else:
            content["url"] = response.content_uri
        return content

    # -- encryption -------------------------------------------------------------------------

    async def _maintain_keys(self) -> None:
        """What nio's sync_forever does between syncs: upload, query and claim keys."""
        client = self.client
        if client.should_upload_keys:
            await self._retry(client.keys_upload, "keys upload", True)
        if client.should_query_keys:
            await self._retry(client.keys_query, "keys query", True)
            self._apply_trust()
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            await self._retry(lambda: client.keys_claim(users), "keys claim", True)
        await self._retry(client.send_to_device_messages, "to-device", True)

    def _apply_trust(self) -> None:
        """Trust on first use: devices seen with a user's first keys are trusted, later ones not."""
        if self.options.device_trust != "tofu":
            return
        store = self.client.device_store
        for user_id, _ in list(store.items()):
            devices = list(store.active_user_devices(user_id))
            first_sight = not any(d.verified or d.blacklisted for d in devices)
            for device in devices:
                if device.verified or device.blacklisted:
                    continue
                if first_sight or device.device_id == self.client.device_id:
                    self.client.verify_device(device)
                else:
                    log.warning("matrix: new device %s of %s kept out", device.device_id, user_id)
                    self.client.blacklist_device(device)

    # -- retries ----------------------------------------------------------------------------

    async def _retry(
        self, call: Callable[[], Awaitable[T]], what: str, permanent_ok: bool = False
    ) -> T:
        """Call until it succeeds: wait out rate limits, back off on network errors.

        A refusal (an ``ErrorResponse`` other than a rate limit or a server error) is returned
        when ``permanent_ok``, else raised as ``PermanentError``.
        """
        attempt = 0
        while True:
            try:
                response = await call()
            except TRANSIENT as exc:
                wait = self.backoff.delay(attempt)
                name = type(exc).__name__
                log.warning("matrix: %s failed (%s); retrying in %.1f s", what, name, wait)
                attempt += 1
                await asyncio.sleep(wait)
                continue
            if not isinstance(response, ErrorResponse):
                return response
            if response.status_code == "M_LIMIT_EXCEEDED":
                wait = (response.retry_after_ms or 1000) / 1000
                log.info("matrix: rate limited on %s; waiting %.1f s", what, wait)
            elif response.status_code in (None, "M_UNKNOWN") and attempt < 8:
                wait = self.backoff.delay(attempt)  # a proxy's 502 while the server restarts
                log.warning("matrix: %s got %s; retrying in %.1f s", what, response, wait)
            elif permanent_ok:
                return response
            else:
                raise PermanentError(f"{what}: {response}")
            attempt += 1
            await asyncio.sleep(wait)
