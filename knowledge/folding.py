"""German-aware text folding for full-text search.

Umlauts and ß are folded the way German writers spell them without the keys ("Bürger",
"Buerger" and "BÜRGER" all become "buerger"), so search finds ideas however they were typed.
"""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)  # "E-Akte" is one word of two parts
MIN_TERM_LENGTH = 3  # the trigram index cannot match shorter terms


def fold(text: str) -> str:
    """Lower-case, fold umlauts and ß, strip other accents."""
    text = unicodedata.normalize("NFC", text).lower().translate(_GERMAN)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_terms(query: str) -> list[str]:
    """The folded words of a user's search, each long enough for the trigram index, as the
    part that all forms of the word share (``word_stem``)."""
    seen: list[str] = []
    for word in _WORD.findall(fold(query)):
        for term in _word_terms(word.split("-")):
            if len(term) >= MIN_TERM_LENGTH and term not in seen:
                seen.append(term)
    return seen


def _word_terms(parts: list[str]) -> list[str]:
    """The terms of a hyphenated word: each part, and a part too short to search for alone
    joined to its neighbour as written ("e-akte", "it-sicherheit"). Without it ``!suche
    E-Akte`` searched for "akte" only, and ideas on Akten hid the one on the E-Akte;
    the bare part stays, so where no idea names the E-Akte any term finds those on Akten."""
    terms: list[str] = []
    for index, part in enumerate(parts):
        if len(part) < MIN_TERM_LENGTH and len(parts) > 1:
            if index + 1 < len(parts):
                terms.append(f"{part}-{word_stem(parts[index + 1])}")
            else:
                terms.append(f"{parts[index - 1]}-{part}")
        terms.append(word_stem(part))
    return terms


_ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
_UMLAUTS = ("ae", "oe", "ue")
MIN_STEM = 5  # shorter stems find too much ("akt" in "Aktion"): the word stays whole


def word_stem(word: str) -> str:
    """A folded word without its German ending, and before a plural umlaut: the text is
    matched as a substring, so "urlaubsantraegen" must become "urlaubsantra" to find both
    "Urlaubsantrag" and "Urlaubsanträge" (trial 14: ``!suche Urlaubsanträgen`` and
    ``!suche Passwörter`` found nothing). Cut only where a stem of MIN_STEM letters remains."""
    for ending in _ENDINGS:
        shortest = MIN_STEM - 1 if ending in ("n", "s") else MIN_STEM  # "kitas", "akten"
        if word.endswith(ending) and len(word) - len(ending) >= shortest:
            stem = word[: -len(ending)]
            break
    else:
        return word
    umlaut = max(stem.rfind(u) for u in _UMLAUTS)
    if umlaut >= len(stem) - 4 and umlaut + 1 >= MIN_STEM:  # in the last syllable
        return stem[: umlaut + 1]  # "antraeg" -> "antra", "passwoert" -> "passwo"
    return stem


def fts_query(terms: list[str], *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression in which every term is a quoted string.

    Quoting makes user input inert: operators such as AND, NEAR, ``*`` or ``"`` in a search
    are matched as text, never interpreted.
    """
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" OR " if any_term else " AND ").join(quoted)
