"""Fast stand-ins for unit tests of core logic. Never used to prove matching quality."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from knowledge.folding import fold
from matching.encoder import Encoder
from matching.relevance import Thresholds


class HashingEncoder:
    """Bag of character trigrams hashed into a fixed-size, normalised vector.

    Texts that share words get high cosines, unrelated texts low ones: enough to test what
    the core does with similarity, not how good it is.
    """

    name = "fake-hashing"

    def __init__(self, dim: int = 384):
        self.dim = dim
        self.calls = 0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in fold(text).split():
                padded = f" {word} "
                for i in range(len(padded) - 2):
                    digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=8).digest()
                    value = int.from_bytes(digest, "little")
                    out[row, value % self.dim] += 1.0 if value & (1 << 40) else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out


# German sentences on different topics: unrelated pairs of the hashing encoder.
SAMPLE = [
    "Eingangsrechnungen automatisch verarbeiten",
    "WLAN in allen Sitzungsräumen",
    "Termine im Bürgerbüro online buchen",
    "Haushaltsdaten als Open Data veröffentlichen",
    "Die elektronische Akte einführen",
    "Schlaglöcher per App melden",
    "Homeoffice digital beantragen",
    "Sitzungsunterlagen digital bereitstellen",
    "Fahrradständer vor der Bibliothek",
    "Software-Lizenzen zentral verwalten",
    "Schulungen für neue Fachverfahren",
    "Parkausweise online beantragen",
]


def hashing_thresholds() -> Thresholds:
    """Thresholds for the hashing encoder: above every unrelated pair of SAMPLE.

    Its cosines of unrelated sentences sit near 0 and of sentences sharing words well above,
    so the thresholds stand where e5's calibrated ones stand relative to its own spread.
    """
    vectors = HashingEncoder().encode(SAMPLE)
    sims = vectors @ vectors.T
    top = float(sims[~np.eye(len(SAMPLE), dtype=bool)].max())
    return Thresholds(
        duplicate=0.8,
        related=top + 0.05,
        person_topic=top + 0.05,
        person_idea=top + 0.05,
        person_interest=top + 0.05,
        answer_reuse=0.8,
    )


class CachingEncoder:
    """The real encoder with a per-text cache: tests that build a Router or a plan matcher
    again and again encode the seed questions and the plan once per module."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            vectors = self.inner.encode(missing, batch_size=batch_size)
            self.cache.update(zip(missing, vectors, strict=True))
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)
