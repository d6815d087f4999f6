"""Sending what the outbox holds for Matrix: the room (a direct room is opened when needed), the
message with its button reactions and files, in the thread it answers; and the scheduled jobs,
which run beside the sync loop and send what they leave in the outbox.

Every send carries a transaction id made from the outbox item, so a retried send arrives
once. A refusal for good is a ``PermanentError``: the item is given up and logged, except in
a direct room the person left, where it waits for a new direct room.

``MatrixOutbox`` is its own part of the adapter: the sync loop, the handling of an event and
the scheduled jobs all send through it, and it keeps what they share (one drain at a time,
whether a reply waits for a room, when the jobs are due next).
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    JoinedMembersError,
    MatrixRoom,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
    UploadResponse,
)
from nio.exceptions import OlmUnverifiedDeviceError

from adapters.drain import drain
from adapters.matrix_events import private_to
from adapters.matrix_keys import KeyUpkeep
from adapters.matrix_render import NUMBER_KEYS, in_thread, to_content, with_buttons
from adapters.matrix_retry import PermanentError, Retrying
from adapters.matrix_state import MatrixState
from bot.app import App
from bot.config import MatrixSettings
from bot.delivery import Delivery, NotDelivered
from bot.events import Attachment

log = logging.getLogger("adapters.matrix")

MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": MEGOLM}


class MatrixOutbox:
    """Sends the outbox's Matrix replies with ``client``; ``keys`` are kept up before sending
    into an encrypted room whose members are not known yet."""

    def __init__(
        self,
        client: AsyncClient,
        app: App,
        state: MatrixState,
        options: MatrixSettings,
        retrying: Retrying,
        keys: KeyUpkeep,
    ):
        self.client, self.app, self.state, self.options = client, app, state, options
        self.retrying, self.keys = retrying, keys
        self.next_due = 0.0
        self.draining = asyncio.Lock()  # the sync loop and the scheduled jobs both send
        self.waiting = False  # the outbox holds a reply for a room not synced yet
        self.due_task: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.due_task.set_result(None)

    async def deliver_due(self) -> None:
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
        await self.drain()

    async def drain(self) -> None:
        """Send what the outbox holds for Matrix, in order; a reply to a room not synced yet
        waits, with the ones after it, for the next sync."""
        async with self.draining:
            self.waiting = await drain(self.app, "matrix", self.deliver_one)

    async def deliver_one(self, item: Delivery) -> bool:
        """One reply; a refusal for good is dropped (logged), as retrying cannot help."""
        try:
            return await self.deliver(item)
        except PermanentError as exc:
            if item.id is None:
                log.error("matrix: dropped a reply that cannot be delivered: %s", exc)
                return True
            raise NotDelivered(str(exc), final=True) from None

    async def deliver(self, item: Delivery) -> bool:
        reply = item.reply
        room_id: str | None = reply.room or item.origin_room
        if reply.direct_to is not None:
            room_id = await self._direct_room(reply.direct_to)
        if room_id is None:
            raise PermanentError("a scheduled reply without a room or recipient")
        room = self.client.rooms.get(room_id)
        if room is None:
            return False  # just created: the next sync brings it
        me = self.client.user_id
        if reply.direct_to is not None and not private_to(room, reply.direct_to, me):
            # someone else is in it, or it was opened to the public (trial 29): a new one
            log.warning("matrix: a direct room is not private any more; opening another")
            if self.state.direct_rooms.get(reply.direct_to) == room_id:
                del self.state.direct_rooms[reply.direct_to]
                self.state.save()
            return False
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
            meant_for = reply.direct_to or item.origin_user
            self.state.remember_buttons(event_id, thread, commands, meant_for)
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
        created = await self.retrying(
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
                self.keys.apply_trust()  # a device appeared since the last key query
                raise TimeoutError("new device found, retrying") from None

        if room.encrypted and not room.members_synced:
            members = await self.retrying(
                lambda: self.client.joined_members(room.room_id), "members"
            )
            if isinstance(members, JoinedMembersError):
                raise PermanentError(str(members))
            await self.keys.maintain()
        response = await self.retrying(attempt, "send", permanent_ok=True)
        if not isinstance(response, RoomSendResponse):
            raise PermanentError(f"{room.room_id}: {response}")
        return str(response.event_id)

    async def _react(self, room: MatrixRoom, event_id: str, key: str, tx_id: str) -> None:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self.retrying(
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

        uploaded = await self.retrying(attempt, "upload", permanent_ok=True)
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
