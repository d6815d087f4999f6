"""A real Synapse for the Matrix tests, real matrix-nio clients as staff, and the real bot.

Synapse runs from the PyPI package with a generated config: SQLite, no federation, 127.0.0.1
on a free port, relaxed rate limits, registration through the shared secret (admin API).
It starts once per session; ``Synapse.restart`` stops and starts the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    MatrixRoom,
    RoomMessage,
)

from adapters import matrix
from adapters.matrix_outbox import ENCRYPTION
from bot.app import App, bootstrap
from bot.clock import Clock, utcnow
from bot.config import MatrixSettings, Settings
from matching.encoder import SentenceEncoder
from tests.matrix.synapse import Synapse, SynapseError, launch

WAIT = 60.0  # seconds a test waits for a message before it fails


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    if importlib.util.find_spec("synapse") is None:
        pytest.skip("matrix-synapse is not installed: pip install -e '.[dev]'")
    try:
        server = launch(tmp_path_factory.mktemp("synapse"))
    except SynapseError as exc:
        pytest.fail(f"cannot start Synapse for the Matrix tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


# -- a staff member: a second real matrix-nio client ----------------------------------------


@dataclass
class Seen:
    room_id: str
    event: RoomMessage

    @property
    def body(self) -> str:
        return str(self.event.source.get("content", {}).get("body", ""))

    @property
    def content(self) -> dict[str, Any]:
        return dict(self.event.source.get("content", {}))

    @property
    def thread(self) -> str | None:
        relates = self.content.get("m.relates_to") or {}
        return relates.get("event_id") if relates.get("rel_type") == "m.thread" else None


@dataclass
class Staff:
    """A person in Element, as far as the bot can tell: logs in, joins, posts, reads."""

    client: AsyncClient
    seen: list[Seen] = field(default_factory=list)
    task: asyncio.Task[Any] | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def start(self, password: str) -> None:
        await self.client.login(password, device_name="Element")
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_message, RoomMessage)
        await self.client.sync(timeout=0, full_state=True)
        self.task = asyncio.create_task(self.client.sync_forever(timeout=1000))

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def _on_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        if event.sender != self.user_id:
            self.seen.append(Seen(room.room_id, event))

    async def create_room(
        self, invite: list[str], *, encrypted: bool = False, **options: Any
    ) -> str:
        state = [ENCRYPTION] if encrypted else []
        response = await self.client.room_create(invite=invite, initial_state=state, **options)
        room_id = str(response.room_id)

        async def known() -> bool:  # nio sends only to rooms its own sync has brought
            return room_id in self.client.rooms

        await until(known, f"{room_id} in {self.user_id}'s sync")
        return room_id

    async def wait_joined(self, room_id: str, user_id: str) -> None:
        """Until this client's own sync shows ``user_id`` in the room (keys then reach it)."""

        async def joined() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id in room.users and user_id not in room.invited_users

        await until(joined, f"{user_id} to join {room_id}")
        if self.client.should_query_keys:
            await self.client.keys_query()

    async def say(self, room_id: str, text: str, *, thread: str | None = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if thread is not None:
            content["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread}
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        return str(response.event_id)

    async def edit(self, room_id: str, event_id: str, text: str) -> str:
        """What Element sends when a message is edited: a "* " fallback and the new content."""
        content = {
            "msgtype": "m.text",
            "body": f"* {text}",
            "m.new_content": {"msgtype": "m.text", "body": text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        }
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        return str(response.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self.client.room_send(room_id, "m.reaction", content)
        return str(response.event_id)

    async def expect(self, match: Callable[[Seen], bool], what: str) -> Seen:
        """The first message seen that matches, waiting for it if needed."""

        async def found() -> bool:
            return any(match(seen) for seen in self.seen)

        await until(found, what)
        return next(seen for seen in self.seen if match(seen))

    def matching(self, match: Callable[[Seen], bool]) -> list[Seen]:
        return [seen for seen in self.seen if match(seen)]

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self.client.close()


async def until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.05)


# -- the bot under test ---------------------------------------------------------------------


def build_app(settings: Settings, encoder: SentenceEncoder, clock: Clock = utcnow) -> App:
    """The production wiring (``bot.app.bootstrap``) around the session's loaded model."""
    return bootstrap(settings, encoder=encoder, clock=clock)


@dataclass
class RunningBot:
    app: App
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.app.close()


@dataclass
class Matrix:
    """One test's world: its own bot account and data dir, staff accounts on demand."""

    synapse: Synapse
    encoder: SentenceEncoder
    data_dir: Path
    bot_id: str = ""
    bot_password: str = ""
    staff: list[Staff] = field(default_factory=list)
    bots: list[RunningBot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot_id, self.bot_password = self.synapse.register("lotse")

    async def person(self, name: str) -> Staff:
        user_id, password = self.synapse.register(name)
        folder = self.data_dir / "staff" / name
        folder.mkdir(parents=True)
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
        staff = Staff(AsyncClient(self.synapse.url, user_id, store_path=str(folder), config=config))
        await staff.start(password)
        self.staff.append(staff)
        return staff

    def settings(self, **changes: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": self.data_dir / "bot", "matrix": MatrixSettings()}
        values.update(changes)
        return Settings(**values)

    def environ(self) -> dict[str, str]:
        return {
            "MATRIX_HOMESERVER": self.synapse.url,
            "MATRIX_USER_ID": self.bot_id,
            "MATRIX_PASSWORD": self.bot_password,
        }

    async def start_bot(self, settings: Settings, clock: Clock = utcnow) -> RunningBot:
        app = build_app(settings, self.encoder, clock)
        task = asyncio.create_task(matrix.serve(app, settings, self.environ()))
        running = RunningBot(app, task)
        self.bots.append(running)
        return running

    async def close(self) -> None:
        for running in self.bots:
            if not running.task.done():
                await running.stop()
        for staff in self.staff:
            await staff.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def world(
    synapse: Synapse, encoder: SentenceEncoder, tmp_path: Path
) -> AsyncIterator[Matrix]:
    created = Matrix(synapse, encoder, tmp_path)
    try:
        yield created
    finally:
        await created.close()


def is_reply_to(event_id: str) -> Callable[[Seen], bool]:
    return lambda seen: seen.thread == event_id
