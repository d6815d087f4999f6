"""How much of a text's rare vocabulary a short document shares: the lexical half of plan scores.

The model alone ranks the right project first for most ideas, but it cannot tell well
whether an idea is covered by any project at all: "Gewerbeanmeldung online!" came out nearer
to the online applicant portal of HR than to the OZG project whose description names
"Gewerbeanmeldung", and an idea about bike leasing for staff came near the HR project by the
cosine of "Beschäftigte". Plan items are short texts written with the words people use for
them; a rare word, or a real part of a compound ("Bauakten" → Akte), that the idea shares
with an item is evidence the cosine misses.

Terms are lemmas and compound parts (``matching.reasons``: no stopwords, no cut stems).
Their weight is an inverse document frequency over the items themselves and a background of
ordinary administrative ideas, so a word every item or idea uses ("digital", "online")
weighs little, whatever plan a city imports. The sum of the shared terms' weights is divided
by the square root of the text's term count, so a long post does not win by length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from matching.reasons import pieces


class TermOverlap:
    """Scores texts against fixed documents by their shared, weighted terms."""

    def __init__(self, documents: Sequence[str], background: Sequence[str] = ()):
        self.documents = [frozenset(pieces(d)) for d in documents]
        every = [*self.documents, *(frozenset(pieces(t)) for t in background)]
        frequency = Counter(term for terms in every for term in terms)
        total = len(every) + 1
        self.weight = {term: math.log(total / (n + 0.5)) for term, n in frequency.items()}

    def scores(self, text: str) -> np.ndarray:
        """Per document: the weight of the terms it shares with ``text``, length-normalised."""
        terms = frozenset(pieces(text))
        scale = math.sqrt(max(1, len(terms)))
        return np.array(
            [sum(self.weight[t] for t in terms & doc) / scale for doc in self.documents],
            dtype=np.float32,
        )
