"""Slack request payloads as Slack sends them, and the request signing Slack does.

Shapes follow the Events API, slash command and interactivity payloads
(docs.slack.dev); only fields the adapter or Bolt reads are filled.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.slack.web_api import BOT_USER, TEAM

SECRET = "test-signing-secret"
APP = "A0LOTSE"


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature and -Request-Timestamp headers Slack computes for ``body``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def event_callback(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def message(
    user: str,
    text: str,
    channel: str,
    ts: str,
    *,
    channel_type: str = "channel",
    thread_ts: str | None = None,
    kind: str = "message",
) -> dict[str, Any]:
    event = {
        "type": kind,
        "user": user,
        "text": text,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "team": TEAM,
    }
    if kind == "message":
        event["channel_type"] = channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def message_changed(
    original: dict[str, Any], text: str, ts: str, *, edited: bool = True
) -> dict[str, Any]:
    """Slack's event for a changed message: a person's edit (``edited``), or a change Slack
    makes itself (a link preview unfurled), which carries no ``edited``."""
    message = {
        k: v for k, v in original.items() if k not in ("channel", "event_ts", "channel_type")
    }
    message["text"] = text
    if edited:
        message["edited"] = {"user": original["user"], "ts": ts}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": original["channel"],
        "channel_type": original.get("channel_type", "channel"),
        "message": message,
        "previous_message": original,
        "ts": ts,
        "event_ts": ts,
    }


def slash_command(user: str, text: str, channel: str, trigger_id: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": user,
            "command": "/lotse",
            "text": text,
            "api_app_id": APP,
            "response_url": "https://hooks.slack.invalid/commands/1",
            "trigger_id": trigger_id,
        }
    )


def interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    user: str,
    button: dict[str, Any],
    channel: str,
    message_ts: str,
    trigger_id: str,
    thread_ts: str | None = None,
    block_id: str = "b1",
) -> dict[str, Any]:
    """A click on ``button`` (an element as the bot sent it, in the block ``block_id``) in the
    message at ``message_ts``."""
    message = {"type": "message", "ts": message_ts, "bot_id": "BBOT", "user": BOT_USER}
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": APP,
        "trigger_id": trigger_id,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": message,
        "actions": [{**button, "block_id": block_id, "action_ts": str(time.time())}],
    }


def view_submission(user: str, view: dict[str, Any], view_id: str, text: str) -> dict[str, Any]:
    """The submission of ``view`` (as the bot opened it) with ``text`` typed in."""
    state = {"values": {"text": {"text": {"type": "plain_text_input", "value": text}}}}
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": APP,
        "trigger_id": "view-trigger-" + view_id,
        "view": {**view, "id": view_id, "team_id": TEAM, "state": state, "hash": "h1"},
    }
