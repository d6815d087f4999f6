"""What the Matrix adapter keeps between runs, in ``<data dir>/matrix/state.json``.

The sync token is saved only after the events it covers were handled and their replies
committed to the store's outbox (``bot.delivery``), so a restart neither replays old messages
nor misses new ones, and a reply the bot has committed to is sent even if the process stops
halfway through sending it. Replies an older version kept in this file (``"outbox"``) move
into the store's outbox on the next start. The access token is not kept: the bot logs in again
with the same device id (the crypto store next to this file belongs to that device).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import App
from bot.clock import iso
from bot.delivery import Origin, queue_answers
from bot.events import Attachment, Button, Reply
from bot.text_input import without_lone_surrogates

MAX_BUTTON_MESSAGES = 500  # reactions on older bot messages are no longer mapped to commands


@dataclass
class MatrixState:
    path: Path
    user_id: str | None = None
    device_id: str | None = None
    sync_token: str | None = None
    direct_rooms: dict[str, str] = field(default_factory=dict)  # user id -> room id
    # rooms joined on an invite whose real inviter is not yet read from the room's history
    pending_joins: list[str] = field(default_factory=list)
    # bot event id -> {"thread": its thread or None, "commands": what its buttons do,
    # "for": whom the message was for, if anybody in particular}
    buttons: dict[str, dict[str, Any]] = field(default_factory=dict)
    legacy_outbox: list[dict[str, Any]] = field(default_factory=list)  # an older version's

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
            legacy_outbox=list(raw.get("outbox", [])),
        )

    def save(self) -> None:
        """Write atomically: a crash leaves the previous state or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "user_id": self.user_id,
            "device_id": self.device_id,
            "sync_token": self.sync_token,
            "direct_rooms": self.direct_rooms,
            "pending_joins": self.pending_joins,
            "buttons": self.buttons,
        }
        if self.legacy_outbox:
            data["outbox"] = self.legacy_outbox
        # A lone surrogate (in a reply quoting odd input) cannot be written as UTF-8 and would
        # fail this save and every later one: it is stored as U+FFFD instead.
        text = without_lone_surrogates(json.dumps(data, ensure_ascii=False))
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def forget(self, user_id: str) -> None:
        """An erased person's Matrix id leaves the state: their direct room (the replies still
        waiting for them left the store's outbox with the erasure)."""
        self.direct_rooms.pop(user_id, None)
        self.buttons = {k: v for k, v in self.buttons.items() if v.get("for") != user_id}

    def remember_buttons(
        self, event_id: str, thread: str | None, commands: list[str], meant_for: str | None
    ) -> None:
        entry: dict[str, Any] = {"thread": thread, "commands": commands}
        self.buttons[event_id] = entry | ({"for": meant_for} if meant_for else {})
        while len(self.buttons) > MAX_BUTTON_MESSAGES:
            del self.buttons[next(iter(self.buttons))]


def move_legacy_outbox(state: MatrixState, app: App) -> None:
    """Replies an older version kept in the state file, into the store's outbox (in order)."""
    store, now = app.store, iso(app.bot.clock())
    with store.transaction():
        for raw in state.legacy_outbox:
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
            answered = raw.get("reply_to")
            origin = Origin("matrix", f"state:{raw['id']}", raw.get("origin_room"), None, answered)
            queue_answers(store, [reply], origin, now)
    state.legacy_outbox = []
    state.save()
