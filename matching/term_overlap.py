"""How much of a text's rare vocabulary another short text shares: the lexical half of scores
where the cosine alone is not enough.

The model ranks the right project first for most ideas, but cannot tell well whether an idea
is covered by any project at all: "Gewerbeanmeldung online!" came out nearer to the online
applicant portal of HR than to the OZG project whose description names "Gewerbeanmeldung".
For `!wer E-Rechnung`, the raw cosine of two short terms put "IT-Sicherheit" as close as
"E-Rechnung". Plan items and interests are short texts written with the words people use for
them; a rare word, or a real part of a compound ("Rechnungseingang" → Rechnung), shared with
them is evidence the cosine misses.

Terms are lemmas and compound parts (``matching.reasons``: no stopwords, no cut stems).
Their weight is an inverse document frequency over the texts compared against and a
background of ordinary administrative ideas, so a word everybody uses ("digital", "online")
weighs little, whatever plan or people a city has. The sum of the shared terms' weights is
divided by the square root of the text's term count, so a long post does not win by length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from matching.reasons import pieces, terms


@lru_cache(maxsize=50_000)
def term_set(text: str) -> frozenset[str]:
    """The lemmas and compound parts of a text (lower-cased)."""
    return frozenset(pieces(text))


@lru_cache(maxsize=50_000)
def word_set(text: str) -> frozenset[str]:
    """The lemmas of a text's whole words (lower-cased): no compound parts."""
    return frozenset(t.lower() for t in terms(text))


class TermWeights:
    """Rare terms weigh more: inverse document frequency over a corpus."""

    def __init__(self, corpus: Iterable[str]):
        documents = [term_set(text) for text in corpus]
        frequency = Counter(term for terms in documents for term in terms)
        self.total = len(documents) + 1
        self.weight = {term: math.log(self.total / (n + 0.5)) for term, n in frequency.items()}

    def scores(self, text: str, others: Sequence[str]) -> np.ndarray:
        """Per other text: the weight of the terms it shares with ``text``, normalised by the
        length of ``text``. A term the corpus lacks counts as seen once."""
        terms = term_set(text)
        scale = math.sqrt(max(1, len(terms)))
        unseen = math.log(self.total / 1.5)
        return np.array(
            [sum(self.weight.get(t, unseen) for t in terms & term_set(o)) / scale for o in others],
            dtype=np.float32,
        )
