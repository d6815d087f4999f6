"""Incoming text, cleaned once where platform events become ``bot.events`` objects.

Chat clients and APIs hand over whatever a person (or a script) typed, and some of it breaks
things further in: a lone surrogate cannot be encoded as UTF-8, so a reply quoting it makes
every later JSON state save fail; NUL bytes break full-text search; bidi override and isolate
controls (U+202A-U+202E, U+2066-U+2069) make stored ideas and replies display something other
than what they contain; a message of only zero-width characters looks empty but would be
stored as an idea. ``Message``, ``Action`` and ``Sender`` run their text through
``clean_text``, so the core only ever sees cleaned text, whichever adapter built them.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls except tab and newline, and the bidi embedding/override/isolate controls.
# Bidi marks (U+200E, U+200F) are kept: they change nothing but the placement of neutrals.
_DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def without_lone_surrogates(text: str) -> str:
    """Surrogate pairs joined into their character, lone surrogates replaced by U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_text(text: str) -> str:
    """``text`` as the bot may store and echo it; "" when nothing visible is left.

    NFC-normalised, lone surrogates replaced by U+FFFD, CR LF and CR turned into LF, other
    control characters (but tab) and bidi embedding/override/isolate controls removed. Text
    of only whitespace and invisible format characters (zero-width space, joiner and
    non-joiner, word joiner, BOM) counts as empty.
    """
    text = without_lone_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _DROPPED.sub("", text))
    if all(char.isspace() or unicodedata.category(char) == "Cf" for char in text):
        return ""
    return text
