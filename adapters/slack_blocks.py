"""Block Kit for replies: text sections, a button per ``Reply.buttons`` entry, the text modal.

Every button carries the text command it stands for in its ``value``, so a click is handled
exactly like the typed command. A button whose command still lacks its free text (``!antwort
12`` without the answer) opens a modal that asks for it. Slack's limits are applied here, in
one place: 3,000 characters per section, 75 per button label, 50 blocks per message.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from adapters.slack_text import escape, to_mrkdwn
from bot.commands import UsageError
from bot.events import Button, Reply
from bot.handlers import REGISTRY
from bot.i18n import Translator

ACTION_PREFIX = "lotse:"  # action_id of every button the bot sends
FOR_PREFIX = "for:"  # block_id of a button row: whom its message was for
MODAL_CALLBACK = "lotse-text"
MODAL_INPUT = "text"  # block_id and action_id of the modal's text field
SECTION_LIMIT = 3000
LABEL_LIMIT = 75
VALUE_LIMIT = 2000
TITLE_LIMIT = 24
BUTTONS_PER_ROW = 5
MAX_BLOCKS = 50
FALLBACK_LIMIT = 39_000


def fallback_text(reply: Reply) -> str:
    """The message as plain mrkdwn, with each button as the command that does the same."""
    text = to_mrkdwn(reply.text)
    if reply.buttons:
        text += "\n" + "\n".join(
            f"• {escape(b.label)}: `{escape(b.command)}`" for b in reply.buttons
        )
    return text[:FALLBACK_LIMIT]


def message_blocks(reply: Reply, meant_for: str | None = None) -> list[dict[str, Any]]:
    """``meant_for``: whom the message answers; its button rows say so in their block_id,
    which Slack hands back with a click (signed), so a click by anybody else in the channel
    is answered to them alone (``meant_for_of``)."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in chunks(to_mrkdwn(reply.text), SECTION_LIMIT)
    ]
    buttons = [button(b, index) for index, b in enumerate(reply.buttons)]
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        row: dict[str, Any] = {
            "type": "actions",
            "elements": buttons[start : start + BUTTONS_PER_ROW],
        }
        if meant_for:
            row["block_id"] = f"{FOR_PREFIX}{meant_for}:{start}"  # unique in the message
        blocks.append(row)
    return blocks[:MAX_BLOCKS]


def meant_for_of(block_id: object) -> str | None:
    """Whom the message with the clicked button was for (see ``message_blocks``)."""
    if not isinstance(block_id, str) or not block_id.startswith(FOR_PREFIX):
        return None
    return block_id[len(FOR_PREFIX) :].rsplit(":", 1)[0] or None


def chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text.strip():
        pieces.append(text)
    return pieces


def button(each: Button, index: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": each.label[:LABEL_LIMIT], "emoji": True},
        "action_id": f"{ACTION_PREFIX}{index}",
        "value": each.command[:VALUE_LIMIT],
    }
    if each.style in ("primary", "danger"):
        element["style"] = each.style
    return element


def needs_text(command: str, prefix: str) -> bool:
    """Whether ``command`` lacks only its free text, which a modal then asks for."""
    parsed = REGISTRY.parse(command, prefix)
    if not isinstance(parsed, UsageError) or parsed.key != "error.missing_argument":
        return False
    missing = parsed.values.get("param")
    return any(param.rest and param.name == missing for param in parsed.command.params)


@dataclass(frozen=True)
class ModalOrigin:
    """Where the button was, so the submitted text is answered there; kept in the modal."""

    command: str
    channel: str | None
    thread_ts: str | None
    privately: bool = False  # the button was meant for somebody else: answer in private

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, raw: str) -> ModalOrigin | None:
        try:
            data = json.loads(raw)
            return cls(
                str(data["command"]),
                data.get("channel"),
                data.get("thread_ts"),
                bool(data.get("privately", False)),
            )
        except (ValueError, KeyError, TypeError):
            return None


def text_modal(t: Translator, title: str, origin: ModalOrigin) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": title[:TITLE_LIMIT]},
        "submit": {"type": "plain_text", "text": t("slack.modal_submit")},
        "close": {"type": "plain_text", "text": t("slack.modal_close")},
        "private_metadata": origin.dump(),
        "blocks": [
            {
                "type": "input",
                "block_id": MODAL_INPUT,
                "label": {"type": "plain_text", "text": t("slack.modal_label")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": MODAL_INPUT,
                    "multiline": True,
                    "max_length": SECTION_LIMIT,
                },
            }
        ],
    }


def submitted_text(view: dict[str, Any]) -> str:
    values = view.get("state", {}).get("values", {})
    value = values.get(MODAL_INPUT, {}).get(MODAL_INPUT, {}).get("value")
    return value.strip() if isinstance(value, str) else ""
