"""The idea engine: nearest ideas by meaning, scored for two jobs with their own thresholds.

The vector index shortlists the nearest ideas by embedding cosine. The "duplicate" score is
that cosine, and a likely duplicate must also stand out from both ideas' neighbours
(``matching.margin``); the "related" score is the cosine after removing the corpus centre
(what all ideas share says nothing about a pair), which found same-theme neighbours better on
every evaluation set (see ``matching.relevance``). Each is compared with its own calibrated
threshold by the caller. No lexical or topic signal is fused in any more.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from matching.margin import NEIGHBOURS, density, margin
from matching.relevance import Thresholds
from matching.similarity import SHORTLIST, VectorIndex, semantic_cosines

PRIOR_WEIGHT = 20  # the prior mean counts like this many ideas
# "Not similar" feedback raises the similarity threshold, at most this far above the base.
MAX_RAISE = 0.05
FEEDBACK_STEP = 0.25  # share of the remaining room one rejection takes
FEEDBACK_MARGIN = 0.02  # rejections this far below the threshold still count
# The margin costs a search per idea, so only the closest few by cosine are asked: over all,
# the marks on every duplicate set and trial were the same as over these three.
SAME_IDEA_CANDIDATES = 3


def reference_ideas() -> list[str]:
    """Typical administrative ideas shipped with the package, for the prior centre."""
    text = (resources.files("matching") / "reference_ideas.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Match:
    id: int
    score: float  # "related": cosine after removing the corpus centre
    duplicate: float  # "duplicate": plain cosine of the two embeddings


class IdeaEngine:
    """``background``: the reference ideas' vectors, the prior of the centre and everybody's
    neighbours in the duplicate margin, so that a small store has a background too."""

    def __init__(self, dim: int, background: np.ndarray | None = None):
        self.index = VectorIndex(dim)
        self.background = background
        self.prior_mean = None if background is None else background.mean(axis=0)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, idea_id: object) -> bool:
        return idea_id in self.index

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add(list(ids), vectors)

    def remove(self, ids: Sequence[int]) -> None:
        self.index.remove(list(ids))

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self.index.vectors(list(ids))

    def query(
        self,
        vector: np.ndarray,
        *,
        k: int,
        exclude: Collection[int] = (),
        candidates: Sequence[int] | None = None,
    ) -> list[Match]:
        """The ``k`` ideas most related to ``vector``, best first (ties by id).

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
        return self.rank(vector, ids, self.index.vectors(ids))[:k]

    def rank(self, vector: np.ndarray, ids: Sequence[int], vectors: np.ndarray) -> list[Match]:
        """Score ``vectors`` against ``vector`` as ``query`` does, best first: also for ideas the
        engine does not hold (merged ones, which only a search for everything shows)."""
        if not len(ids):
            return []
        query = np.asarray(vector, np.float32)[None, :]
        related = semantic_cosines(query, vectors, mean=self.centre())[0]
        duplicate = semantic_cosines(query, vectors)[0]
        order = np.lexsort((np.asarray(ids), -related))
        return [Match(ids[i], float(related[i]), float(duplicate[i])) for i in order]

    def same_idea(
        self,
        vector: np.ndarray,
        matches: Sequence[Match],
        thresholds: Thresholds,
        *,
        exclude: Collection[int] = (),
    ) -> int | None:
        """The one match likely the same idea as ``vector``: of the SAME_IDEA_CANDIDATES closest
        whose cosine reaches the duplicate threshold, the one with the highest margin, if that
        reaches its threshold."""
        closest = sorted(matches, key=lambda m: (-m.duplicate, m.id))[:SAME_IDEA_CANDIDATES]
        near = [m for m in closest if m.duplicate >= thresholds.duplicate]
        margins = self.margins(vector, near, exclude)
        best = min(margins, key=lambda i: (-margins[i], i), default=None)
        return best if best is not None and margins[best] >= thresholds.duplicate_margin else None

    def margins(
        self, vector: np.ndarray, matches: Sequence[Match], exclude: Collection[int] = ()
    ) -> dict[int, float]:
        """The duplicate margin of ``vector`` (an idea not in the engine, or one of
        ``exclude``) to each match the engine holds, each density without the partner as in
        ``matching.margin.pair_margins``. A search per match, so the caller asks only for the
        few whose cosine could make them a duplicate."""
        held = [m for m in matches if m.id in self.index]
        if not held:
            return {}
        own = self._neighbours(vector, set(exclude))
        vectors = self.index.vectors([m.id for m in held])
        return {
            m.id: margin(
                m.duplicate,
                density(np.asarray([c for i, c in own if i != m.id], np.float32)),
                density(np.asarray([c for _, c in self._neighbours(v, {m.id, *exclude})])),
            )
            for m, v in zip(held, vectors, strict=True)
        }

    def _neighbours(self, vector: np.ndarray, exclude: set[int]) -> list[tuple[int, float]]:
        """The NEIGHBOURS + 1 nearest ideas (one more: a pair's partner is left out) and the
        background's (id -1), as (id, cosine)."""
        near = self.index.search(vector, NEIGHBOURS + 1, exclude=exclude)
        if self.background is not None:
            near += [(-1, c) for c in (self.background @ np.asarray(vector, np.float32)).tolist()]
        return near

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        """Related score of two indexed ideas (for feedback bookkeeping)."""
        if idea_a not in self.index or idea_b not in self.index:
            return None
        a, b = self.index.vectors([idea_a, idea_b])
        return float(semantic_cosines(a, b, mean=self.centre())[0, 0])

    def centre(self) -> np.ndarray:
        """The corpus mean, drawn towards the prior while the corpus is small.

        What all ideas share says nothing about a pair, so related ideas are scored (and the
        digest clusters them) after removing it; a mean of a handful of ideas is mostly noise,
        hence the shrinkage to a prior (the mean of typical administrative ideas) with the
        weight of PRIOR_WEIGHT ideas.
        """
        mean = self.index.mean()
        if self.prior_mean is None:
            return mean
        n = len(self)
        return ((n * mean + PRIOR_WEIGHT * self.prior_mean) / (n + PRIOR_WEIGHT)).astype(np.float32)


def adapted_threshold(base: float, rejected_scores: Sequence[float]) -> float:
    """The suggestion threshold after "not similar" feedback, oldest first.

    Each rejected pair that scored near or above the current threshold moves it a share of
    the way to ``base + MAX_RAISE``; rejections far below it say nothing new. Capped, so a few
    disagreements cannot silence suggestions; computed from stored feedback, so no state.
    """
    threshold, ceiling = base, base + MAX_RAISE
    for score in rejected_scores:
        if score >= threshold - FEEDBACK_MARGIN:
            threshold += FEEDBACK_STEP * (ceiling - threshold)
    return threshold
