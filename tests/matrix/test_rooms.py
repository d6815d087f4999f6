"""Which rooms the bot joins and which events it answers.

The invite decision is checked here on the real nio event objects a sync produces (parsed by
nio from the wire format), for every kind of inviter; test_federation.py shows it end to end
with a second, federating Synapse. Accepting invites and ignoring history run end to end.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from nio import Event, InviteEvent, RoomPreset

from adapters import matrix_events as events
from adapters.matrix_state import MatrixState
from tests.matrix.conftest import Matrix, Seen, is_reply_to, until

BOT = "@lotse:stadt.de"


def invite(sender: str, *, is_direct: bool = False, to: str = BOT) -> Any:
    content = {"membership": "invite", "displayname": "Lotse"} | (
        {"is_direct": True} if is_direct else {}
    )
    raw = {"type": "m.room.member", "sender": sender, "state_key": to, "content": content}
    return InviteEvent.parse_event(raw)


def room_event(sender: str, content: dict[str, Any], kind: str = "m.room.message") -> Any:
    raw = {"type": kind, "sender": sender, "event_id": "$e1", "origin_server_ts": 1,
           "content": content}  # fmt: skip
    return Event.parse_event(raw)


@pytest.mark.parametrize(
    ("inviter", "allowed", "accepted"),
    [
        ("@anna:stadt.de", (), True),  # the bot's own homeserver
        ("@eve:evil.example", (), False),  # another server, not allow-listed
        ("@eve:evil.example", ("partner.de",), False),
        ("@paul:partner.de", ("partner.de",), True),  # an allow-listed server
        ("@paul:partner.de", ("@paul:partner.de",), True),  # an allow-listed user
        ("@pia:partner.de", ("@paul:partner.de",), False),  # another user of that server
        ("@anna:stadt.de.evil.example", (), False),  # a look-alike server name
        ("not-a-user-id", (), False),
    ],
)
def test_invites_from_own_server_and_allow_list_only(
    inviter: str, allowed: tuple[str, ...], accepted: bool
) -> None:
    claimed = events.invite_claims([invite(inviter)], BOT)
    assert claimed == ([inviter] if inviter.startswith("@") else [])  # nio refuses a bad sender
    assert events.accepts_invite(inviter, BOT, allowed) is accepted


def test_stripped_state_only_claims_and_the_fetched_invite_decides() -> None:
    """A forged entry "from Anna" ahead of the real invite from Eve: both are mere claims; the
    invite fetched from the room's history after joining names Eve, and its direct flag."""
    forged, real = invite("@anna:stadt.de", is_direct=True), invite("@eve:evil.example")
    assert events.invite_claims([forged, real], BOT) == ["@anna:stadt.de", "@eve:evil.example"]
    assert events.invite_claims([invite("@anna:stadt.de", to="@ben:stadt.de")], BOT) == []
    fetched = {"type": "m.room.member", "sender": "@eve:evil.example", "state_key": BOT,
               "event_id": "$inv", "origin_server_ts": 5,
               "content": {"membership": "invite", "is_direct": True}}  # fmt: skip
    assert events.verified_invite(fetched, BOT) == events.Invite(
        "@eve:evil.example", True, "$inv", 5
    )
    assert events.verified_invite(fetched | {"state_key": "@ben:stadt.de"}, BOT) is None
    assert events.verified_invite(fetched | {"content": {"membership": "join"}}, BOT) is None
    assert events.verified_invite(fetched | {"type": "m.room.name"}, BOT) is None


def test_messages_after_the_invite_are_answered_and_history_before_it_is_not() -> None:
    def message(event_id: str, ts: int) -> Any:
        content = {"msgtype": "m.text", "body": event_id}
        raw = {"type": "m.room.message", "sender": "@anna:stadt.de", "event_id": event_id,
               "origin_server_ts": ts, "content": content}  # fmt: skip
        return Event.parse_event(raw)

    def member(event_id: str, ts: int, membership: str) -> Any:
        raw = {"type": "m.room.member", "sender": BOT, "state_key": BOT, "event_id": event_id,
               "origin_server_ts": ts, "content": {"membership": membership},
               "unsigned": {"replaces_state": "$inv"}}  # fmt: skip
        return Event.parse_event(raw)

    invited = events.Invite("@anna:stadt.de", False, "$inv", 20)
    timeline = [message("$old", 10), member("$inv", 20, "invite"), message("$early", 30),
                member("$join", 40, "join"), message("$late", 50)]  # fmt: skip
    fresh = [e.event_id for e in events.since_invite(timeline, invited)]
    assert fresh == ["$early", "$join", "$late"]
    without_invite = [timeline[0], *timeline[2:]]  # the invite itself not in this timeline
    assert [e.event_id for e in events.since_invite(without_invite, invited)] == fresh
    assert events.replaced_by_own_join(timeline, BOT) == "$inv"
    assert events.replaced_by_own_join(timeline[:2], BOT) is None


@pytest.mark.parametrize(
    ("sender", "content", "answered"),
    [
        ("@anna:stadt.de", {"msgtype": "m.text", "body": "!idee x"}, True),
        (BOT, {"msgtype": "m.text", "body": "!idee x"}, False),  # the bot's own event
        ("@other-bot:stadt.de", {"msgtype": "m.notice", "body": "!idee x"}, False),
        ("@anna:stadt.de", {"msgtype": "m.text", "body": "* x", "m.new_content": {},
                            "m.relates_to": {"rel_type": "m.replace", "event_id": "$0"}}, False),
    ],
)  # fmt: skip
def test_only_peoples_new_text_messages_are_answered(
    sender: str, content: dict[str, Any], answered: bool
) -> None:
    message = events.to_message(
        room_event(sender, content), "!r:stadt.de", "Anna", me=BOT, is_direct=False
    )
    assert (message is not None) is answered


def test_thread_and_reply_fallback_are_read() -> None:
    content = {
        "msgtype": "m.text",
        "body": "> <@ben:stadt.de> alte Idee\n\n!unterstuetzen 3",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$old"}},
    }
    message = events.to_message(room_event("@anna:stadt.de", content), "!r", "A", me=BOT,
                                is_direct=False)  # fmt: skip
    assert message is not None and message.text == "!unterstuetzen 3"
    threaded = {"msgtype": "m.text", "body": "!hilfe",
                "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}  # fmt: skip
    message = events.to_message(room_event("@anna:stadt.de", threaded), "!r", "A", me=BOT,
                                is_direct=False)  # fmt: skip
    assert message is not None and message.thread_id == "$root"


def test_reaction_with_a_number_is_the_buttons_command() -> None:
    buttons = {"$bot": {"thread": "$root", "commands": ["!unterstuetzen 1", "!kontakt 1"]}}

    def react(key: str, target: str = "$bot", sender: str = "@anna:stadt.de") -> Any:
        relates = {"rel_type": "m.annotation", "event_id": target, "key": key}
        event = room_event(sender, {"m.relates_to": relates}, "m.reaction")
        return events.to_action(event, "!r", "Anna", me=BOT, buttons=buttons)

    action = react("2️⃣")
    assert action is not None and (action.command, action.thread_id) == ("!kontakt 1", "$root")
    assert react("3️⃣") is None  # no third button
    assert react("👍") is None
    assert react("1️⃣", target="$other") is None
    assert react("1️⃣", sender=BOT) is None  # the bot's own button reactions
    assert not action.answer_privately  # no one in particular: answered where it was
    buttons["$bot"]["for"] = "@anna:stadt.de"
    assert not react("1️⃣").answer_privately  # type: ignore[union-attr]
    assert react("1️⃣", sender="@mallory:stadt.de").answer_privately  # type: ignore[union-attr]


@pytest.mark.anyio
@pytest.mark.model
async def test_invite_accepted_and_history_before_joining_ignored(world: Matrix) -> None:
    anna = await world.person("anna")
    room = await anna.create_room([])
    old = await anna.say(room, "Eine Idee von gestern, bevor der Lotse da war")
    await world.start_bot(world.settings(idea_rooms=(room,)))
    await anna.client.room_invite(room, world.bot_id)  # a local user: accepted
    await anna.wait_joined(room, world.bot_id)

    new = await anna.say(room, "Bürgeranträge digital weiterleiten statt ausdrucken")
    reply = await anna.expect(is_reply_to(new), "the answer to the new idea")
    assert "**#1**" in reply.body  # the old message was not taken as idea #1
    assert anna.matching(is_reply_to(old)) == []


@pytest.mark.anyio
@pytest.mark.model
async def test_direct_message_is_handled_as_direct(world: Matrix) -> None:
    anna = await world.person("anna")
    await world.start_bot(world.settings())
    direct = await anna.client.room_create(invite=[world.bot_id], is_direct=True)
    room = str(direct.room_id)
    await anna.wait_joined(room, world.bot_id)
    await anna.say(room, "Digitale Akten für alle Ämter einführen")
    reply = await anna.expect(lambda s: s.room_id == room, "the answer in the direct room")
    assert "**#1**" in reply.body and reply.thread is None  # direct: no thread needed

    async def remembered() -> bool:
        state = (world.data_dir / "bot" / "matrix" / "state.json").read_text()
        return room in state

    await until(remembered, "the direct room to be remembered")


@pytest.mark.anyio
@pytest.mark.model
async def test_message_sent_between_invite_and_join_is_answered(world: Matrix) -> None:
    """Anna invites the bot and writes at once, before it has joined: she gets her answer."""
    anna = await world.person("anna")
    room = await anna.create_room([world.bot_id], is_direct=True)
    await anna.say(room, "Rechnungen digital freigeben statt mit der Umlaufmappe")
    settings = world.settings()
    await world.start_bot(settings)  # only now does the bot see the invite and join
    reply = await anna.expect(lambda s: s.room_id == room, "the answer to the early message")
    assert "**#1**" in reply.body
    assert len(anna.matching(lambda s: s.room_id == room)) == 1
    state = MatrixState.load(settings.data_dir / "matrix" / "state.json")
    assert state.direct_rooms.get(anna.user_id) == room and state.pending_joins == []


@pytest.mark.anyio
@pytest.mark.model
async def test_erased_person_leaves_no_byte_in_the_adapters_files(world: Matrix) -> None:
    """Issue #15, item 10: after ``!vergiss-mich bestätigen`` Anna's Matrix id was still in
    the adapter state and in the crypto store (her devices, keys and sessions)."""
    anna = await world.person("anna")
    room = await anna.create_room([world.bot_id])
    settings = world.settings(idea_rooms=(room,))
    await world.start_bot(settings)
    await anna.wait_joined(room, world.bot_id)
    await anna.say(room, "Sitzungsunterlagen nur noch digital verschicken")
    asked = await anna.say(room, "!vergiss-mich")

    def the_code(seen: Seen) -> bool:  # asked by direct message, encrypted
        return seen.room_id != room and "!vergiss-mich bestätigen" in seen.body

    question = await anna.expect(the_code, "the erasure code by direct message")
    direct = question.room_id
    assert anna.client.rooms[direct].encrypted and question.event.decrypted
    found = re.search(r"bestätigen ([A-Z2-9]{6})", question.body)
    assert found, question.body
    folder = settings.data_dir / "matrix"
    needle = anna.user_id.encode()
    assert any(needle in f.read_bytes() for f in folder.glob("*.db")), "crypto store knows Anna"
    assert asked and needle in (folder / "state.json").read_bytes()

    await anna.say(direct, f"!vergiss-mich bestätigen {found.group(1)}")
    await anna.expect(lambda s: "gelöscht" in s.body and s.room_id == direct, "the confirmation")

    async def no_trace_left() -> bool:
        files = [p for p in folder.iterdir() if p.is_file()]
        return not any(needle in p.read_bytes() for p in files)

    await until(no_trace_left, "Anna's Matrix id to leave every file of the adapter")

    async def bot_left_her_room() -> bool:
        return world.bot_id not in anna.client.rooms[direct].users

    await until(bot_left_her_room, "the bot to leave Anna's direct room")


@pytest.mark.anyio
@pytest.mark.model
async def test_a_public_room_its_maker_left_is_no_private_room(world: Matrix) -> None:
    """Trial 29: mallory made a public room, invited the bot and anna and left; the bot took
    it for anna's direct room and answered `!meine-fragen` there, for mallory to read."""
    anna, mallory = await world.person("anna"), await world.person("mallory")
    await world.start_bot(world.settings())
    room = await mallory.create_room(
        [world.bot_id, anna.user_id], is_direct=True, preset=RoomPreset.public_chat
    )
    await mallory.wait_joined(room, world.bot_id)
    await mallory.wait_joined(room, anna.user_id)
    await mallory.client.room_leave(room)

    async def gone() -> bool:
        members = anna.client.rooms[room].users if room in anna.client.rooms else {}
        return mallory.user_id not in members

    await until(gone, "mallory to have left")
    await anna.say(room, "!meine-fragen")
    note = await anna.expect(lambda s: s.room_id == room, "the note in the public room")
    assert "Direktnachricht" in note.body and "Fragen" not in note.body
    listed = await anna.expect(lambda s: "noch keine Fragen" in s.body, "the list")
    assert listed.room_id != room
    private = anna.client.rooms[listed.room_id]
    assert set(private.users) == {anna.user_id, world.bot_id}
