"""Invites across servers, end to end: two real Synapse homeservers that federate.

A user of server B invites the bot, whose account is on server A. Without B on the
allow-list the bot declines (B's room shows the bot's membership as "leave", never "join");
with B's server name in ``allowed_inviters`` it joins over federation and answers there.
Server B can also lie (``forging_synapse.py``): its invites then carry forged stripped state
claiming that a user of server A invited the bot.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    RoomGetStateEventResponse,
    RoomGetStateResponse,
    RoomInviteError,
)

from adapters.matrix_state import MatrixState
from bot.config import MatrixSettings
from matching.encoder import SentenceEncoder
from tests.matrix.conftest import Matrix, Staff, until
from tests.matrix.federation import FORGING, FederatingSynapse, launch_federating, self_signed
from tests.matrix.synapse import SynapseError

FEDERATED_WAIT = 120.0  # seconds: the first request between two servers also fetches keys


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FederatingSynapse, FederatingSynapse]]:
    """Server A (the bot's) and server B (the foreign inviter's), federating."""
    if importlib.util.find_spec("synapse") is None:
        pytest.skip("matrix-synapse is not installed: pip install -e '.[dev]'")
    folder = tmp_path_factory.mktemp("federation")
    certificate = self_signed(folder / "tls")
    started: list[FederatingSynapse] = []
    try:
        started.append(launch_federating(folder / "a", certificate))
        started.append(launch_federating(folder / "b", certificate, FORGING))
    except SynapseError as exc:
        for running in started:
            running.server.stop()
        pytest.fail(f"cannot start two federating Synapse servers: {exc}")
    try:
        yield started[0], started[1]
    finally:
        for running in started:
            running.server.stop()


@pytest.fixture
async def home(
    servers: tuple[FederatingSynapse, FederatingSynapse],
    encoder: SentenceEncoder,
    tmp_path: Path,
) -> AsyncIterator[Matrix]:
    """The bot's world on server A (its account, data dir and running bots)."""
    created = Matrix(servers[0].server, encoder, tmp_path)
    try:
        yield created
    finally:
        await created.close()


async def foreigner(world: Matrix, server: FederatingSynapse, name: str) -> Staff:
    """A real nio client of a user on server B, closed with ``world``."""
    user_id, password = server.server.register(name)
    folder = world.data_dir / "foreign" / name
    folder.mkdir(parents=True)
    client = AsyncClient(
        server.server.url,
        user_id,
        store_path=str(folder),
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
    )
    staff = Staff(client)
    await staff.start(password)
    world.staff.append(staff)
    return staff


async def invite_bot(staff: Staff, world: Matrix) -> str:
    """A new room on B with the bot on A invited (the invite itself crosses federation)."""
    room = await staff.create_room([])
    invited = await staff.client.room_invite(room, world.bot_id)
    assert not isinstance(invited, RoomInviteError), f"the federated invite failed: {invited}"
    return room


async def bot_membership(staff: Staff, room: str, bot_id: str) -> str | None:
    """The bot's membership in B's copy of the room, as B's user reads it."""
    state = await staff.client.room_get_state_event(room, "m.room.member", bot_id)
    if not isinstance(state, RoomGetStateEventResponse):
        return None
    return str(state.content.get("membership"))


async def leave_sender(staff: Staff, room: str, bot_id: str) -> str:
    """Who wrote the bot's "leave" in the room, as a member on B reads the room state."""
    room_state = await staff.client.room_get_state(room)
    assert isinstance(room_state, RoomGetStateResponse), room_state
    leave = next(
        event
        for event in room_state.events
        if event.get("type") == "m.room.member" and event.get("state_key") == bot_id
    )
    return str(leave["sender"])


@pytest.mark.anyio
@pytest.mark.model
async def test_invite_from_a_server_not_allow_listed_is_declined(
    home: Matrix, servers: tuple[FederatingSynapse, FederatingSynapse]
) -> None:
    eve = await foreigner(home, servers[1], "eve")
    await home.start_bot(home.settings())  # allowed_inviters empty: only server A's users
    room = await invite_bot(eve, home)
    seen: list[str | None] = []

    async def declined() -> bool:
        seen.append(await bot_membership(eve, room, home.bot_id))
        return seen[-1] == "leave"

    await until(declined, "the bot to decline the invite from B", FEDERATED_WAIT)
    assert "join" not in seen
    assert await leave_sender(eve, room, home.bot_id) == home.bot_id  # declined, not revoked
    joined = home.synapse.request("GET", f"/_synapse/admin/v1/users/{home.bot_id}/joined_rooms")
    assert room not in joined["joined_rooms"]  # server A never had the bot in the room


@pytest.mark.anyio
@pytest.mark.model
async def test_invite_from_an_allow_listed_server_is_accepted(
    home: Matrix, servers: tuple[FederatingSynapse, FederatingSynapse]
) -> None:
    paul = await foreigner(home, servers[1], "paul")
    allowed = MatrixSettings(allowed_inviters=(servers[1].server_name,))  # B, as in the config
    await home.start_bot(home.settings(matrix=allowed))
    room = await invite_bot(paul, home)

    async def joined() -> bool:
        return await bot_membership(paul, room, home.bot_id) == "join"

    await until(joined, "the bot to join the room on B", FEDERATED_WAIT)
    await paul.say(room, "!hilfe")
    reply = await paul.expect(lambda seen: seen.room_id == room, "the bot's answer to !hilfe")
    assert reply.event.sender == home.bot_id


@pytest.mark.anyio
@pytest.mark.model
async def test_forged_invite_state_is_not_believed(
    home: Matrix, servers: tuple[FederatingSynapse, FederatingSynapse]
) -> None:
    """Eve on B invites the bot; B puts a forged "Anna of server A invites you to a direct
    chat" ahead of the real invite. The claim gets the bot to look (join), the signed invite
    in the room's history names Eve, so the bot leaves and records no direct room for Anna."""
    eve = await foreigner(home, servers[1], "eve-forger")
    anna = await home.person("anna")  # a colleague on the bot's own server
    forged = {"type": "m.room.member", "state_key": home.bot_id, "sender": anna.user_id,
              "content": {"membership": "invite", "is_direct": True}}  # fmt: skip
    forge = servers[1].server.folder / "forge.json"
    forge.write_text(json.dumps([forged]))
    try:
        settings = home.settings()  # allowed_inviters empty: only server A's users
        await home.start_bot(settings)
        room = await invite_bot(eve, home)
    finally:
        forge.unlink()

    async def left() -> bool:
        return await bot_membership(eve, room, home.bot_id) == "leave"

    await until(left, "the bot to leave Eve's room", FEDERATED_WAIT)
    assert await leave_sender(eve, room, home.bot_id) == home.bot_id
    state = MatrixState.load(settings.data_dir / "matrix" / "state.json")
    assert anna.user_id not in state.direct_rooms  # Anna's DMs never go to Eve's room
    assert room not in state.direct_rooms.values() and state.pending_joins == []
