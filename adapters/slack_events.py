"""Slack payloads -> ``bot`` events: pure functions, no I/O.

Ids: a message is known by ``channel:ts``. Slack sends that id unchanged with every retry of
the event, and it is also the same for the ``app_mention`` and the ``message`` event Slack
sends for one message that mentions the bot, so whichever arrives first is handled and the
other is a replay the core skips. A slash command is known by its ``trigger_id``, a click by
its ``trigger_id`` too (unique per click), a modal submission by the view id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.slack_blocks import meant_for_of
from adapters.slack_text import from_slack
from bot.events import Action, Message, Sender

PLATFORM = "slack"
_TS = re.compile(r"^\d+\.\d+$")
# Edits, deletions, joins and bot posts are not messages from a person to the bot.
HANDLED_SUBTYPES = (None, "file_share", "thread_broadcast")


def message_id(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def thread_ts(thread_id: str | None) -> str | None:
    """The Slack ``ts`` to answer under, from a reply's thread id (a ts or a message id)."""
    if thread_id is None:
        return None
    ts = thread_id.rpartition(":")[2]
    return ts if _TS.match(ts) else None


def is_direct_channel(channel: str | None, channel_type: str | None = None) -> bool:
    return channel_type == "im" or (channel or "").startswith("D")


def is_person_message(event: Mapping[str, Any]) -> bool:
    return (
        event.get("subtype") in HANDLED_SUBTYPES
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and isinstance(event.get("channel"), str)
        and isinstance(event.get("ts"), str)
    )


def is_threaded(event: Mapping[str, Any]) -> bool:
    parent = event.get("thread_ts")
    return parent is not None and parent != event.get("ts")


def to_message(
    event: Mapping[str, Any],
    sender: Sender,
    bot_user_id: str | None,
    names: Mapping[str, str] | None = None,
) -> Message:
    """A message or app_mention event; the bot's own mention is taken out of the text."""
    channel, ts = str(event["channel"]), str(event["ts"])
    return Message(
        platform=PLATFORM,
        event_id=message_id(channel, ts),
        sender=sender,
        text=from_slack(str(event.get("text") or ""), bot_user_id, names),
        room=channel,
        thread_id=str(event["thread_ts"]) if is_threaded(event) else None,
        is_direct=is_direct_channel(channel, event.get("channel_type")),
    )


def edit_of(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """A person's edit of their message (``message_changed`` with ``edited``), as the edited
    message in its channel; None for the other changes Slack reports so (a link preview, a
    thread's reply count), which carry no ``edited``."""
    message = event.get("message")
    if event.get("subtype") != "message_changed" or not isinstance(message, dict):
        return None
    stamp = message.get("edited")
    if not isinstance(stamp, dict) or not isinstance(stamp.get("ts"), str):
        return None
    edited = {**message, "channel": event.get("channel"), "channel_type": event.get("channel_type")}
    return edited if is_person_message(edited) else None


def to_edit(
    edited: Mapping[str, Any],
    sender: Sender,
    bot_user_id: str | None,
    names: Mapping[str, str] | None = None,
) -> Message:
    """An edit (``edit_of``): known by the message and the edit's time, as each edit is
    handled once; it replaces the message known by ``channel:ts``."""
    original = to_message(edited, sender, bot_user_id, names)
    stamp = edited["edited"]["ts"]
    return replace(
        original, event_id=f"{original.event_id}:edit:{stamp}", replaces=original.event_id
    )


def command_text(text: str, prefix: str) -> str:
    """``/lotse idee …`` -> ``!idee …``; a bare ``/lotse`` asks for help."""
    body = from_slack(text).strip().removeprefix(prefix).strip()
    return prefix + (body or "hilfe")


def to_command(payload: Mapping[str, Any], sender: Sender, prefix: str) -> Message:
    channel = str(payload.get("channel_id") or "") or None
    return Message(
        platform=PLATFORM,
        event_id=f"command:{payload['trigger_id']}",
        sender=sender,
        text=command_text(str(payload.get("text") or ""), prefix),
        room=channel,
        is_direct=is_direct_channel(channel, None),
    )


def button_origin(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The channel of the clicked message and the thread to answer in (None: top level)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    message = body.get("message") or {}
    parent = message.get("thread_ts")
    return channel, parent if parent and parent != message.get("ts") else None


def to_action(body: Mapping[str, Any], command: str, sender: Sender) -> Action:
    channel, parent = button_origin(body)
    return Action(
        platform=PLATFORM,
        event_id=f"action:{body['trigger_id']}",
        sender=sender,
        command=command,
        room=channel,
        thread_id=parent,
        answer_privately=clicked_for_another(body),
    )


def clicked_for_another(body: Mapping[str, Any]) -> bool:
    """Was the clicked button on a message meant for somebody other than the clicker?"""
    actions = body.get("actions") or [{}]
    meant_for = meant_for_of(actions[0].get("block_id"))
    return meant_for is not None and meant_for != user_of(body)


def user_of(body: Mapping[str, Any]) -> str | None:
    """The acting user of an interaction payload (``user.id``) or a command (``user_id``)."""
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or (user if isinstance(user, str) else None)
