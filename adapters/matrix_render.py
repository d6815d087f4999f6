"""Reply text (Markdown) to a Matrix message content: plain ``body`` and ``formatted_body``.

The bot's replies quote what people typed (ideas, questions, names), so the text must not be
able to do more in Matrix than it could in the bot's own words: raw HTML is escaped, links and
images are not rendered (a ``matrix.to`` link would become a mention pill), ``@room`` is
defused in both bodies, and ``m.mentions`` is empty so clients that know intentional mentions
notify nobody because of the text.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt

from bot.events import Button

# A word joiner between "@" and "room" is invisible but breaks the @room push rule.
WORD_JOINER = "\u2060"
_ROOM_MENTION = re.compile(r"@(room)", re.IGNORECASE)
NUMBER_KEYS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣")

_markdown = (
    MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    .disable(["link", "image", "autolink", "html_inline", "html_block"])
    .enable("strikethrough")
)


def defuse_mentions(text: str) -> str:
    return _ROOM_MENTION.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def to_html(markdown: str) -> str:
    return _markdown.render(defuse_mentions(markdown)).strip()


def with_buttons(text: str, buttons: tuple[Button, ...]) -> str:
    """Buttons as numbered lines: react with the number, or type the command."""
    if not buttons:
        return text
    lines = [f"{NUMBER_KEYS[i]} {b.label}: `{b.command}`" for i, b in enumerate(buttons[:9])]
    return text + "\n\n" + "\n".join(lines)


def to_content(markdown: str, msgtype: str = "m.notice") -> dict[str, Any]:
    """A message content with the Markdown kept as the plain body and rendered as HTML."""
    return {
        "msgtype": msgtype,
        "body": defuse_mentions(markdown),
        "format": "org.matrix.custom.html",
        "formatted_body": to_html(markdown),
        "m.mentions": {},
    }


def in_thread(content: dict[str, Any], thread_id: str, reply_to: str) -> dict[str, Any]:
    """Put a content into a thread, with the reply fallback for clients without threads."""
    return content | {
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": thread_id,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": reply_to},
        }
    }
