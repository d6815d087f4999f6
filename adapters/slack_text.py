"""Text across the Slack boundary: Slack markup in, the core's Markdown out as mrkdwn.

Slack encodes mentions and links inside message text (``<@U123>``, ``<!here>``,
``<https://x|label>``) and escapes ``&``, ``<`` and ``>``. The core stores and compares plain
text, so incoming text is decoded to what the person saw. Outgoing text is escaped again:
that is what keeps text a user wrote (an idea quoted back, a name) from turning into
``<!channel>``, ``<!here>`` or ``<@U…>`` when the bot repeats it to many people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"<([^<>\n]*)>")
_SPACES = re.compile(r"[ \t]{2,}")
# Plain "@channel" is no mention without link_names, which the adapter never sets; a word
# joiner after the "@" keeps it inert even where a client would link it.
_MASS_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+)$", re.MULTILINE)
_QUOTE = re.compile(r"^&gt; ?", re.MULTILINE)
_HARD_BREAK = re.compile(r"[ \t]{2,}\n")
WORD_JOINER = "\u2060"


def mentions(text: str, user_id: str) -> bool:
    """Whether Slack-encoded ``text`` mentions ``user_id``."""
    return re.search(rf"<@{re.escape(user_id)}(\|[^>]*)?>", text) is not None


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in Slack-encoded ``text``, in order, each once."""
    found = re.findall(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", text)
    return list(dict.fromkeys(found))


def from_slack(
    text: str, bot_user_id: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    """Slack message text as plain text; a mention of the bot itself is dropped.

    ``names`` maps user ids to display names, so a mention reads "@Ben Weber", not "@U0B3N".
    """

    def plain(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            if bot_user_id is not None and target[1:] == bot_user_id:
                return ""
            return "@" + (label.lstrip("@") or (names or {}).get(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            name = target[1:]
            if name.startswith(("subteam^", "date^")):
                return label
            return "@" + (label.lstrip("@") or name)
        target = target.removeprefix("mailto:")
        return f"{label} ({target})" if label and label != target else target

    decoded = _TOKEN.sub(plain, text)
    decoded = decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in decoded.strip().splitlines())


def escape(text: str) -> str:
    """Text that Slack shows as written: no mention, link or channel notification in it."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MASS_MENTION.sub(lambda m: "@" + WORD_JOINER + m.group(1), escaped)


def to_mrkdwn(markdown: str) -> str:
    """The core's Markdown as Slack mrkdwn: bold, headings and quotes kept.

    Markdown links stay as written (Slack links the bare URL): a masked link could make text
    from a user look like a link the bot vouches for.
    """
    text = escape(markdown)
    text = _QUOTE.sub("> ", text)
    text = _HARD_BREAK.sub("\n", text)
    text = _HEADING.sub(r"*\1*", text)
    return _BOLD.sub(r"*\1*", text)
