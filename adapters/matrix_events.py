"""Matrix events to ``bot`` events: small pure functions over matrix-nio's parsed events.

Nothing here does I/O, so every filter (own events, bots' notices, edits, invites from
elsewhere) is decided in one place and tested with real nio event objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nio import Event, InviteMemberEvent, MatrixRoom, RoomMemberEvent, RoomMessageText

from adapters.matrix_render import NUMBER_KEYS
from bot.events import Action, Message, Sender

PLATFORM = "matrix"


def server_of(user_id: str) -> str:
    """``@anna:stadt.de`` -> ``stadt.de`` (the server part may carry a port)."""
    return user_id.partition(":")[2]


def accepts_invite(inviter: str, me: str, allowed: Sequence[str]) -> bool:
    """Users of the bot's own homeserver, and listed users or servers, may invite it."""
    server = server_of(inviter)
    if not inviter.startswith("@") or not server:
        return False
    return server == server_of(me) or inviter in allowed or server in allowed


def invite_claims(events: Sequence[Any], me: str) -> list[str]:
    """Who an invited room's stripped state says invited ``me``.

    The inviting server writes that state and Synapse passes it on unchecked, so a claim only
    decides whether the room is worth joining; who really invited is read after joining
    (``verified_invite``).
    """
    return [
        event.sender
        for event in events
        if isinstance(event, InviteMemberEvent)
        and event.state_key == me
        and event.membership == "invite"
    ]


@dataclass(frozen=True)
class Invite:
    """The invite as the room's own history holds it."""

    inviter: str
    is_direct: bool
    event_id: str
    timestamp: int  # the inviting server's clock, milliseconds


def verified_invite(raw: Mapping[str, Any], me: str) -> Invite | None:
    """The invite event fetched from the bot's homeserver once the bot is in the room.

    Unlike stripped state, this event is part of the room's signed history (the homeserver
    checked its signatures and auth rules), so its sender is the real inviter.
    """
    content = raw.get("content")
    if (
        raw.get("type") != "m.room.member"
        or raw.get("state_key") != me
        or not isinstance(content, dict)
        or content.get("membership") != "invite"
        or not isinstance(raw.get("sender"), str)
        or not isinstance(raw.get("event_id"), str)
    ):
        return None
    timestamp = raw.get("origin_server_ts")
    return Invite(
        raw["sender"],
        content.get("is_direct") is True,
        raw["event_id"],
        timestamp if isinstance(timestamp, int) else 0,
    )


def replaced_by_own_join(events: Sequence[Any], me: str) -> str | None:
    """The id of the membership event (the invite) that the bot's latest join replaced."""
    for event in reversed(events):
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == me
            and event.membership == "join"
        ):
            replaced = event.source.get("unsigned", {}).get("replaces_state")
            return replaced if isinstance(replaced, str) else None
    return None


def since_invite(events: Sequence[Any], invite: Invite) -> Sequence[Any]:
    """The timeline from just after the invite: what people wrote while the bot was joining
    is answered too, history from before the invite is not."""
    for index, event in enumerate(events):
        if getattr(event, "event_id", None) == invite.event_id:
            return events[index + 1 :]
    return [e for e in events if getattr(e, "server_timestamp", 0) >= invite.timestamp]


def after_own_join(events: Sequence[Any], me: str) -> Sequence[Any]:
    """The timeline from just after the bot's own join, if the join is in it.

    A room's first timeline after joining carries history from before the bot was there.
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == me
            and event.membership == "join"
            and event.prev_membership != "join"
        ):
            return events[index + 1 :]
    return events


def relation(event: Event) -> dict[str, Any]:
    content = event.source.get("content", {})
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    return relates if isinstance(relates, dict) else {}


def private_to(room: MatrixRoom, user_id: str, me: str) -> bool:
    """Only the user and the bot are in the room (joined or invited), and nobody else can
    join it or read it from outside: a place for the user's own business."""
    members = set(room.users) | set(room.invited_users)
    closed = room.join_rule in ("invite", "private") and room.history_visibility in (
        "joined",
        "invited",
        "shared",
    )
    return closed and members <= {user_id, me}


def thread_of(event: Event) -> str | None:
    relates = relation(event)
    if relates.get("rel_type") == "m.thread" and isinstance(relates.get("event_id"), str):
        return str(relates["event_id"])
    return None


def strip_reply_fallback(body: str) -> str:
    """Drop the quoted ``> <@user> ...`` lines older clients put before a reply."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> <"):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def to_message(
    event: Event, room_id: str, display_name: str, *, me: str, is_direct: bool
) -> Message | None:
    """A person's text message, or None for what the bot must not answer."""
    if not isinstance(event, RoomMessageText) or event.sender == me:
        return None
    content = event.source.get("content", {})
    if content.get("msgtype") != "m.text":  # m.notice is what bots send: no bot loops
        return None
    relates = relation(event)
    text, replaces = event.body, None
    if relates.get("rel_type") == "m.replace":  # an edit: the idea it posted takes the text
        text, replaces = edited_text(content), relates.get("event_id")
        if text is None or not isinstance(replaces, str):
            return None
    if "m.in_reply_to" in relates and not relates.get("is_falling_back"):
        text = strip_reply_fallback(text)
    return Message(
        PLATFORM,
        event.event_id,
        Sender(event.sender, display_name),
        text,
        room=room_id,
        thread_id=thread_of(event),
        is_direct=is_direct,
        replaces=replaces,
    )


def edited_text(content: dict) -> str | None:
    """An edit's new text is in ``m.new_content`` (its ``body`` is a "* …" fallback)."""
    new = content.get("m.new_content")
    if not isinstance(new, dict) or new.get("msgtype") != "m.text":
        return None
    body = new.get("body")
    return body if isinstance(body, str) else None


def to_action(
    event: Event,
    room_id: str,
    display_name: str,
    *,
    me: str,
    buttons: Mapping[str, dict[str, Any]],
    is_direct: bool = False,
) -> Action | None:
    """A reaction with a number on a message with buttons: the button's command."""
    if event.sender == me or event.source.get("type") != "m.reaction":
        return None
    relates = relation(event)
    if relates.get("rel_type") != "m.annotation":
        return None
    target = buttons.get(str(relates.get("event_id"))) or {}
    commands, key = target.get("commands") or [], relates.get("key")
    if not commands or key not in NUMBER_KEYS:
        return None
    number = NUMBER_KEYS.index(key)
    if number >= len(commands):
        return None
    return Action(
        PLATFORM,
        event.event_id,
        Sender(event.sender, display_name),
        commands[number],
        room=room_id,
        thread_id=target.get("thread"),
        is_direct=is_direct,
        answer_privately=target.get("for") not in (None, event.sender),
    )
