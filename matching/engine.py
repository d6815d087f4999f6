"""The idea engine: nearest neighbours by meaning, re-ranked with words and topics.

The vector index shortlists by embedding cosine; the shortlist is re-scored by the fused
scorer of ``matching.similarity`` (standardised semantic, lexical and topic cosines) and mapped
to a calibrated confidence in 0..1, which is what thresholds are set on. Texts are kept next to
the vectors, because the lexical side needs them and its vocabulary is refitted as the corpus
grows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
import scipy.sparse as sp

from matching.lexical import LexicalModel, LexicalVectors, lexical_cosines, topic_cosines
from matching.similarity import (
    DUPLICATE,
    LEXICAL,
    RELATED,
    SEMANTIC,
    SEMANTIC_CENTERED,
    SHORTLIST,
    TOPIC,
    Calibration,
    Profile,
    VectorIndex,
    confidence,
    semantic_cosines,
)

# Thresholds on the calibrated confidences (see matching.similarity for what they mean).
SIMILAR_CONFIDENCE = 0.5  # RELATED: more likely than not about the same topic
DUPLICATE_CONFIDENCE = 0.8  # DUPLICATE: very likely "the same idea in other words"
# Below this many ideas the corpus mean is too noisy to centre on, and topics are not learnt:
# relatedness is then judged with the raw (duplicate) profile, which needs neither.
MIN_CENTERED = 20
PRIOR_WEIGHT = 20  # the prior mean counts like this many ideas
REFIT_GROWTH = 1.25  # refit the lexical model when the corpus grew by a quarter
# "Not similar" feedback raises the similarity threshold, at most to this.
MAX_THRESHOLD = 0.85
FEEDBACK_STEP = 0.25  # share of the remaining room one rejection takes
FEEDBACK_MARGIN = 0.15  # rejections this far below the threshold still count


@dataclass(frozen=True)
class Calibrations:
    """Reference statistics of the semantic cosine, which depend on the embedding model.

    The defaults were measured for multilingual-e5-small on the cycling-dialogue dev half.
    """

    semantic: Calibration = SEMANTIC
    centered: Calibration = SEMANTIC_CENTERED

    @classmethod
    def measure(cls, vectors: np.ndarray, pairs: int = 20000, seed: int = 0) -> Calibrations:
        """Statistics of random pairs of ``vectors``: for models other than the default."""
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, len(vectors), (2, pairs))
        keep = a != b
        raw = semantic_cosines(vectors[a[keep]], vectors[b[keep]], paired=True)
        mean = vectors.mean(axis=0)
        centered = semantic_cosines(vectors[a[keep]], vectors[b[keep]], mean=mean, paired=True)
        return cls(
            Calibration(float(raw.mean()), float(raw.std())),
            Calibration(float(centered.mean()), float(centered.std())),
        )


def reference_ideas() -> list[str]:
    """Typical administrative ideas shipped with the package, for the prior centre."""
    text = (resources.files("matching") / "reference_ideas.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Match:
    id: int
    score: float  # confidence that the two are about the same thing, 0..1
    duplicate: float  # confidence that they are the same idea, 0..1


class IdeaEngine:
    def __init__(
        self,
        dim: int,
        calibrations: Calibrations | None = None,
        prior_mean: np.ndarray | None = None,
    ):
        self.index = VectorIndex(dim)
        self.calibrations = calibrations or Calibrations()
        self.prior_mean = prior_mean
        self._texts: dict[int, str] = {}
        self._lexical = LexicalModel()
        self._lex: dict[int, LexicalVectors] = {}
        self._fitted_size = 0
        self._last_query: tuple[str, LexicalVectors] | None = None  # valid until the next refit

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, idea_id: object) -> bool:
        return idea_id in self.index

    def add(self, ids: Sequence[int], texts: Sequence[str], vectors: np.ndarray) -> None:
        if not len(ids):
            return
        self.index.add(list(ids), vectors)
        self._texts.update(zip(ids, texts, strict=True))
        if self._lexical.fitted and len(self._texts) < REFIT_GROWTH * self._fitted_size:
            last = self._last_query
            if last is not None and list(texts) == [last[0]]:
                encoded = last[1]  # a new idea is queried first, then added: encode it once
            else:
                encoded = self._lexical.encode(list(texts))
            self._lex.update((i, encoded.take([n])) for n, i in enumerate(ids))
        else:
            self._lex.clear()  # refitted lazily by the next query

    def remove(self, ids: Sequence[int]) -> None:
        self.index.remove(list(ids))
        for idea_id in ids:
            self._texts.pop(idea_id, None)
            self._lex.pop(idea_id, None)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self.index.vectors(list(ids))

    def query(
        self,
        text: str,
        vector: np.ndarray,
        *,
        k: int,
        exclude: Collection[int] = (),
        candidates: Sequence[int] | None = None,
    ) -> list[Match]:
        """The ``k`` ideas most related to ``text``, best first.

        ``candidates``: a shortlist found elsewhere (a database's vector index) instead of this
        engine's own search; ids it does not hold are skipped.
        """
        if candidates is None:
            hits = self.index.search(vector, max(SHORTLIST, k), exclude=exclude)
            ids = [idea_id for idea_id, _ in hits]
        else:
            skip = set(exclude)
            ids = [i for i in dict.fromkeys(candidates) if i in self.index and i not in skip]
        if not ids:
            return []
        query = np.asarray(vector, np.float32)[None, :]
        vectors = self.index.vectors(ids)
        query_lex, lex = self._lexical_vectors(text, ids)
        related = self._score(query, vectors, query_lex, lex, self._related_profile())
        order = np.lexsort((np.asarray(ids), -related))[:k]
        top = [ids[i] for i in order]
        duplicate = self._score(query, vectors[order], query_lex, lex.take(order), DUPLICATE)
        return [
            Match(idea_id, float(related[i]), float(duplicate[n]))
            for n, (i, idea_id) in enumerate(zip(order, top, strict=True))
        ]

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        """Related-confidence of two indexed ideas (for feedback bookkeeping)."""
        if idea_a not in self.index or idea_b not in self.index:
            return None
        vectors = self.index.vectors([idea_a, idea_b])
        query_lex, lex = self._lexical_vectors(self._texts[idea_a], [idea_b])
        scores = self._score(vectors[:1], vectors[1:], query_lex, lex, self._related_profile())
        return float(scores[0])

    # -- scoring ----------------------------------------------------------------------------

    def _related_profile(self) -> Profile:
        if len(self) >= MIN_CENTERED or self.prior_mean is not None:
            return RELATED
        return replace(DUPLICATE, name="related-small")

    def centre(self) -> np.ndarray:
        """The corpus mean, drawn towards the prior while the corpus is small.

        What all ideas share says nothing about a pair, so cosines are taken after removing
        it; a mean of a handful of ideas is mostly noise, hence the shrinkage to a prior
        (the mean of typical administrative ideas) with the weight of PRIOR_WEIGHT ideas.
        """
        mean = self.index.mean()
        if self.prior_mean is None:
            return mean
        n = len(self)
        return ((n * mean + PRIOR_WEIGHT * self.prior_mean) / (n + PRIOR_WEIGHT)).astype(np.float32)

    def _score(
        self,
        query: np.ndarray,
        vectors: np.ndarray,
        query_lex: LexicalVectors,
        lex: LexicalVectors,
        profile: Profile,
    ) -> np.ndarray:
        """Confidence of the query against each row: weighted z-scores through a logistic."""
        if profile.centered:
            semantic = semantic_cosines(query, vectors, mean=self.centre())[0]
            z = profile.semantic * self.calibrations.centered.z(semantic)
        else:
            z = profile.semantic * self.calibrations.semantic.z(semantic_cosines(query, vectors)[0])
        z = z + profile.lexical * LEXICAL.z(lexical_cosines(query_lex, lex)[0])
        topics = topic_cosines(query_lex, lex)
        if profile.topic:
            if topics is not None:
                z = z + profile.topic * TOPIC.z(topics[0])
            else:  # no topics learnt yet: their weight goes to the semantic signal
                z = z * (profile.semantic + profile.topic) / profile.semantic
        return np.asarray(confidence(z, profile), dtype=np.float32)

    def refit_if_due(self) -> None:
        """Refit the lexical model if the corpus outgrew it (else the next query does it).

        A refit of a large corpus takes seconds; adapters call this after a reply went out, so
        no one waits for it, and the next query finds the same model it would have fitted.
        """
        if self._lex or not self._texts:
            return
        corpus = list(self._texts.values())
        self._last_query = None
        self._lexical.fit(corpus)
        self._fitted_size = len(corpus)
        encoded = self._lexical.encode(corpus)
        self._lex = {i: encoded.take([n]) for n, i in enumerate(self._texts)}

    def _lexical_vectors(
        self, text: str, ids: Sequence[int]
    ) -> tuple[LexicalVectors, LexicalVectors]:
        self.refit_if_due()
        rows = [self._lex[i] for i in ids]
        topics = None
        if all(r.topics is not None for r in rows):
            topics = np.vstack([r.topics for r in rows if r.topics is not None])
        stacked = LexicalVectors(sp.csr_matrix(sp.vstack([r.tfidf for r in rows])), topics)
        self._last_query = (text, self._lexical.encode([text]))
        return self._last_query[1], stacked


def adapted_threshold(base: float, rejected_scores: Sequence[float]) -> float:
    """The suggestion threshold after "not similar" feedback, oldest first.

    Each rejected pair that scored near or above the current threshold moves it a share of
    the way to ``MAX_THRESHOLD``; rejections far below it say nothing new. Capped, so a few
    disagreements cannot silence suggestions; computed from stored feedback, so no state.
    """
    threshold = base
    for score in rejected_scores:
        if score >= threshold - FEEDBACK_MARGIN:
            threshold += FEEDBACK_STEP * (MAX_THRESHOLD - threshold)
    return threshold
