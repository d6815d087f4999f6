"""Words of the same meaning, for topics asked in other words than colleagues declared.

`!wer Hochzeiten` and an interest "Eheschließungen" sit apart by cosine as two short terms
do; OpenThesaurus knows they mean one thing (``matching/synonyms_de.txt``, made by
``matching.synonyms_build``). Used for declared interests only: they are short and name a
field of work, where a long idea would meet a word's other meanings ("Abfall" is also a
decline, "Senkung").
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

FILE = "synonyms_de.txt"


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    text = resources.files("matching").joinpath(FILE).read_text(encoding="utf-8")
    table: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        words = [word.lower() for word in line.split(";")]
        for word in words:
            table.setdefault(word, set()).update(w for w in words if w != word)
    return {word: frozenset(others) for word, others in table.items()}


def synonyms(term: str) -> frozenset[str]:
    """The lower-cased words that mean what ``term`` (a lower-cased lemma) means."""
    return _table().get(term, frozenset())
