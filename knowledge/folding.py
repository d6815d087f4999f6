"""German-aware text folding for full-text search.

Umlauts and ß are folded the way German writers spell them without the keys ("Bürger",
"Buerger" and "BÜRGER" all become "buerger"), so search finds ideas however they were typed.
"""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"\w+", re.UNICODE)
MIN_TERM_LENGTH = 3  # the trigram index cannot match shorter terms


def fold(text: str) -> str:
    """Lower-case, fold umlauts and ß, strip other accents."""
    text = unicodedata.normalize("NFC", text).lower().translate(_GERMAN)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_terms(query: str) -> list[str]:
    """The folded words of a user's search, each long enough for the trigram index."""
    seen: list[str] = []
    for word in _WORD.findall(fold(query)):
        if len(word) >= MIN_TERM_LENGTH and word not in seen:
            seen.append(word)
    return seen


def fts_query(terms: list[str], *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression in which every term is a quoted string.

    Quoting makes user input inert: operators such as AND, NEAR, ``*`` or ``"`` in a search
    are matched as text, never interpreted.
    """
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" OR " if any_term else " AND ").join(quoted)
