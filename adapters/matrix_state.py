"""What the Matrix adapter keeps between runs, in ``<data dir>/matrix/state.json``.

The sync token is saved only after the events it covers were handled and their replies were
put in the outbox, so a restart neither replays old messages nor misses new ones, and a reply
the bot has committed to is sent even if the process stops halfway through sending it.
The access token is not kept: the bot logs in again with the same device id (the crypto store
next to this file belongs to that device).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.events import Attachment, Button, Reply
from bot.text_input import without_lone_surrogates

MAX_BUTTON_MESSAGES = 500  # reactions on older bot messages are no longer mapped to commands


@dataclass
class Delivery:
    """One reply waiting to be sent; ``id`` doubles as the Matrix transaction id."""

    reply: Reply
    origin_room: str | None  # the room of the message it answers (None: a scheduled reply)
    reply_to: str | None  # the event it answers, for the thread's reply fallback
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class MatrixState:
    path: Path
    user_id: str | None = None
    device_id: str | None = None
    sync_token: str | None = None
    direct_rooms: dict[str, str] = field(default_factory=dict)  # user id -> room id
    # rooms joined on an invite whose real inviter is not yet read from the room's history
    pending_joins: list[str] = field(default_factory=list)
    # bot event id -> {"thread": its thread or None, "commands": what its buttons do}
    buttons: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Delivery] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> MatrixState:
        if not path.exists():
            return cls(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            path,
            user_id=raw.get("user_id"),
            device_id=raw.get("device_id"),
            sync_token=raw.get("sync_token"),
            direct_rooms=dict(raw.get("direct_rooms", {})),
            pending_joins=list(raw.get("pending_joins", [])),
            buttons=dict(raw.get("buttons", {})),
            outbox=[_delivery_from(item) for item in raw.get("outbox", [])],
        )

    def save(self) -> None:
        """Write atomically: a crash leaves the previous state or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "user_id": self.user_id,
            "device_id": self.device_id,
            "sync_token": self.sync_token,
            "direct_rooms": self.direct_rooms,
            "pending_joins": self.pending_joins,
            "buttons": self.buttons,
            "outbox": [_delivery_to(item) for item in self.outbox],
        }
        # A lone surrogate (in a reply quoting odd input) cannot be written as UTF-8 and would
        # fail this save and every later one: it is stored as U+FFFD instead.
        text = without_lone_surrogates(json.dumps(data, ensure_ascii=False))
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def remember_buttons(self, event_id: str, thread: str | None, commands: list[str]) -> None:
        self.buttons[event_id] = {"thread": thread, "commands": commands}
        while len(self.buttons) > MAX_BUTTON_MESSAGES:
            del self.buttons[next(iter(self.buttons))]


def _delivery_to(item: Delivery) -> dict[str, Any]:
    reply = item.reply
    return {
        "id": item.id,
        "origin_room": item.origin_room,
        "reply_to": item.reply_to,
        "text": reply.text,
        "room": reply.room,
        "thread_id": reply.thread_id,
        "direct_to": reply.direct_to,
        "buttons": [asdict(b) for b in reply.buttons],
        "attachments": [
            {
                "filename": a.filename,
                "mime_type": a.mime_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in reply.attachments
        ],
    }


def _delivery_from(raw: dict[str, Any]) -> Delivery:
    reply = Reply(
        raw["text"],
        room=raw.get("room"),
        thread_id=raw.get("thread_id"),
        buttons=tuple(Button(**b) for b in raw.get("buttons", [])),
        direct_to=raw.get("direct_to"),
        attachments=tuple(
            Attachment(a["filename"], base64.b64decode(a["data"]), a["mime_type"])
            for a in raw.get("attachments", [])
        ),
    )
    return Delivery(reply, raw.get("origin_room"), raw.get("reply_to"), raw["id"])
