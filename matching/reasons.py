"""A short, human "why similar": the key terms two texts share.

German compounds hide shared words ("Eingangsrechnungen" and "E-Rechnung"), so terms are
compared by their longest common part, not only as whole words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_STEM = 5  # shorter common parts are mostly accidents ("ung", "eine")
_SUFFIXES = ("ungen", "innen", "ern", "en", "er", "es", "e", "n", "s")

# Words that carry no topic: articles, pronouns, auxiliaries, common administrative filler.
STOPWORDS = frozenset(
    """
    aber alle allen aller alles als also am an auch auf aus bei beim bin bis bitte da dadurch
    dafür damit dann dar darauf darf darum das dass dem den denn der des deshalb die dies diese
    diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines einfach es
    etwa etwas euch für gibt hat hatte haben hier ich ihr ihre im immer in ist ja jede jeden
    jeder jetzt kann kein keine können könnte machen man mehr mit muss müssen nach neue neuen
    nicht noch nur ob oder ohne sehr sein seine sich sie sind so soll sollen sollte sollten
    statt über um und uns unser unsere viele vom von vor war wäre warum was weil wenn werden
    wie wir wird wo würde zu zum zur zwischen stadt bitte gut gute besser idee ideen vorschlag
    """.split()  # noqa: SIM905
)


def terms(text: str) -> list[str]:
    """Content words of a text, in order, lower-cased, without stopwords."""
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        if len(word) >= 3 and word not in STOPWORDS and word not in seen:
            seen.append(word)
    return seen


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM - 1:
            return word[: -len(suffix)]
    return word


def _common_part(a: str, b: str) -> str:
    """Longest common substring of two words (short words: only whole-word equality)."""
    if stem(a) == stem(b):
        return stem(a) if len(stem(a)) <= len(stem(b)) else stem(b)
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best if len(best) >= MIN_STEM else ""


def shared_terms(a: str, b: str, limit: int = 3) -> list[str]:
    """Terms of ``a`` that ``b`` shares, whole or as a compound part, longest first.

    Returns the words as written in ``b`` where they match whole, else the common part.
    """
    found: list[str] = []
    other = terms(b)
    for word in terms(a):
        for candidate in other:
            part = _common_part(word, candidate)
            if part:
                label = candidate if stem(candidate) == part or candidate == part else part
                if not any(label in f or f in label for f in found):
                    found.append(label)
                break
    found.sort(key=len, reverse=True)
    return found[:limit]


def topic_overlap(topics: Iterable[str], text: str) -> list[str]:
    """Declared interest topics that appear in a text (by shared terms)."""
    return [topic for topic in topics if shared_terms(topic, text, limit=1)]
