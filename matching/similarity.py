"""Similarity of ideas: the fused score and an exact in-memory vector index.

Fused score. Raw cosines of different signals live on different scales (e5 cosines of any two
German texts sit around 0.86 +- 0.02, TF-IDF cosines around 0.06 +- 0.03), so each signal is
standardised against a reference distribution - random pairs of the cycling-dialogue DEV half -
and the z-scores are mixed with fixed weights. Global calibration was chosen over per-query
standardisation of the candidate set: on the dev half it ranked as well (P@5 0.456 vs 0.456 for
e5 + TF-IDF), and only global z-scores mean the same thing for every query, which thresholds
and the confidence below rely on.

Three profiles, because different questions are asked and not every caller has the corpus:
- BASIC: w*z(e5 cosine) + (1-w)*z(TF-IDF cosine) on raw cosines, exactly what
  `VectorIndex.search` and `LexicalModel.similarity` return; no corpus statistics needed.
  Tuned on the cycling dev half (P@5 0.438; e5 alone 0.406). The default of `fuse`.
- RELATED ("which ideas are about the same thing?", the up-to-3 similar ideas): e5 cosine after
  removing the corpus' mean embedding (what all ideas share says nothing about a pair), TF-IDF,
  and LSA topics. Tuned on the cycling-dialogue dev half (precision@5 of sharing a topic label).
- DUPLICATE ("is this the same idea?", likely duplicates): raw e5 cosine plus a little TF-IDF.
  Tuned on STS-B de dev (Spearman vs gold). Centering and topics lower STS-B dev Spearman
  (0.845 -> 0.833 and -> 0.80), i.e. they trade fine paraphrase grading for topical recall.
No constant here was fitted on a test half; `bench/quality.py` reports those.

VectorIndex. Brute-force exact top-k in memory. Storage precision was chosen by measurement on
2 CPU threads at 100k x 384 (search = scan + exact top-k; top-10 agreement of the stored
vectors with float32 ones, for the 3,139 e5 vectors of the cycling posts, in brackets):
    float32   153.6 MB  search p50 5.4 ms (numpy/OpenBLAS)                      (100 %)
    float16    76.8 MB  search p50 5.2 ms (torch matvec; numpy's own: 150 ms)    (99.95 %)
    bfloat16   76.8 MB  search p50 4.7 ms for k=10, but 16 ms for k=200         (99.76 %)
float32 breaks the 80 MB budget. bfloat16 scans fastest, but rounds scores to 8 bits: among
e5 vectors (cosines crowd around 0.85-0.95) far more rows fall within its error bound and must
be re-scored. So float16. Its rounding is undone where it matters: the scan only shortlists,
and every row that could reach the top k given the scan's error bound is re-scored in float32,
so results equal an exact float32 search over the stored vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matching.lexical import LexicalVectors, lexical_cosines, topic_cosines

Precision = Literal["bfloat16", "float16", "float32"]
STORAGE: Precision = "float16"
# Bound on |scan score - float32 score| for unit vectors: rounding the query (half an ulp at 1
# per component, at most that in sum) plus rounding the output (half an ulp at up to 1.0+),
# plus slack for float32 accumulation.
_SCAN_ERROR: dict[str, float] = {
    "bfloat16": 2.0**-9 + 2.0**-8 + 1e-5,
    "float16": 2.0**-12 + 2.0**-11 + 1e-5,
    "float32": 1e-5,
}
SHORTLIST = 200  # VectorIndex candidates to re-rank; cycling dev P@5 0.483 vs 0.484 for all


@dataclass(frozen=True)
class Calibration:
    """Mean and standard deviation of a score over random pairs of a reference corpus."""

    mean: float
    std: float

    def z(self, scores: np.ndarray) -> np.ndarray:
        return (np.asarray(scores, dtype=np.float32) - self.mean) / self.std


# Random pairs of the cycling-dialogue DEV half (1,570 posts, all 1.2 M pairs).
SEMANTIC = Calibration(mean=0.8637, std=0.0198)  # raw e5 cosine
SEMANTIC_CENTERED = Calibration(mean=-0.0005, std=0.0871)  # e5 cosine after removing the mean
LEXICAL = Calibration(mean=0.0639, std=0.0335)  # TF-IDF char_wb 3-6 cosine
TOPIC = Calibration(mean=0.0004, std=0.1932)  # LSA topic cosine (30 dims, centred)


@dataclass(frozen=True)
class Profile:
    """Weights of the standardised signals, and the logistic map of the fused score to 0..1."""

    name: str
    semantic: float
    lexical: float
    topic: float
    centered: bool  # semantic cosine after subtracting the corpus mean embedding
    slope: float
    offset: float


# Weights: cycling dev half, w=0.7 best of 0.5..0.9 (P@5 0.438; STS-B de dev 0.820).
# Confidence: logistic fit of "shares a topic label" on 300k dev-half pairs (base rate 0.09).
BASIC = Profile("basic", 0.7, 0.3, 0.0, centered=False, slope=0.526, offset=-2.417)
# Weights: grid search on the cycling dev half, P@5 0.485 (e5 alone 0.406, e5 + TF-IDF 0.456).
# Confidence: logistic fit of "shares a topic label" on 300k dev-half pairs (base rate 0.09).
RELATED = Profile("related", 0.4, 0.1, 0.5, centered=True, slope=0.768, offset=-2.497)
# Weights: STS-B de dev Spearman 0.8447 (e5 alone 0.8445: TF-IDF adds next to nothing to graded
# paraphrase scores). Confidence: logistic fit of "gold >= 4" on STS-B de dev (base rate 0.18).
DUPLICATE = Profile("duplicate", 0.98, 0.02, 0.0, centered=False, slope=0.980, offset=-5.320)


def semantic_cosines(
    a: np.ndarray, b: np.ndarray, *, mean: np.ndarray | None = None, paired: bool = False
) -> np.ndarray:
    """Cosines of embedding rows, optionally after removing a corpus mean embedding."""
    a = np.atleast_2d(np.asarray(a, dtype=np.float32))
    b = np.atleast_2d(np.asarray(b, dtype=np.float32))
    if mean is not None:
        a, b = a - mean, b - mean
    a, b = _unit_rows(a), _unit_rows(b)
    if paired:
        if a.shape != b.shape:
            raise ValueError(f"paired scores need equal shapes, got {a.shape} and {b.shape}")
        return np.einsum("ij,ij->i", a, b)
    return a @ b.T


def fuse(
    semantic: np.ndarray,
    lexical: np.ndarray,
    topic: np.ndarray | None = None,
    *,
    profile: Profile = BASIC,
) -> np.ndarray:
    """Weighted sum of z-scores; without topics their weight goes to the other two signals.

    `semantic` must be what the profile expects: raw cosines for BASIC and DUPLICATE, cosines
    after removing the corpus mean for RELATED (see `semantic_cosines`).
    """
    sem_cal = SEMANTIC_CENTERED if profile.centered else SEMANTIC
    ws, wl, wt = profile.semantic, profile.lexical, profile.topic
    if topic is None or wt == 0.0:
        total = ws + wl
        ws, wl = ws / total * (total + wt), wl / total * (total + wt)
        return ws * sem_cal.z(semantic) + wl * LEXICAL.z(lexical)
    return ws * sem_cal.z(semantic) + wl * LEXICAL.z(lexical) + wt * TOPIC.z(topic)


def fused_scores(
    query_vecs: np.ndarray,
    candidate_vecs: np.ndarray,
    query_lex: LexicalVectors,
    candidate_lex: LexicalVectors,
    *,
    profile: Profile = RELATED,
    mean: np.ndarray | None = None,
    paired: bool = False,
) -> np.ndarray:
    """Fused scores of queries against candidates (matrix), or of row pairs when `paired`.

    `mean` is the corpus mean embedding (`VectorIndex.mean()`), required by centred profiles.
    """
    if profile.centered and mean is None:
        raise ValueError(f"profile {profile.name!r} needs the corpus mean embedding")
    semantic = semantic_cosines(
        query_vecs, candidate_vecs, mean=mean if profile.centered else None, paired=paired
    )
    lexical = lexical_cosines(query_lex, candidate_lex, paired=paired)
    topic = topic_cosines(query_lex, candidate_lex, paired=paired) if profile.topic else None
    return fuse(semantic, lexical, topic, profile=profile)


def confidence(fused: np.ndarray | float, profile: Profile = BASIC) -> np.ndarray:
    """Map fused scores to 0..1, calibrated as described at the profile; for thresholds."""
    x = profile.slope * np.asarray(fused, dtype=np.float64) + profile.offset
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


@dataclass(frozen=True)
class Match:
    """A candidate after re-ranking."""

    id: int
    score: float  # fused score (weighted z-scores)
    confidence: float  # 0..1, see `confidence`


def rerank(
    query_vec: np.ndarray,
    query_lex: LexicalVectors,
    candidate_ids: Sequence[int],
    candidate_vecs: np.ndarray,
    candidate_lex: LexicalVectors,
    *,
    k: int,
    mean: np.ndarray | None = None,
    profile: Profile = RELATED,
) -> list[Match]:
    """Best k candidates (usually `VectorIndex.search(q, SHORTLIST)`) by fused score."""
    if len(candidate_ids) == 0 or k <= 0:
        return []
    scores = fused_scores(
        query_vec, candidate_vecs, query_lex.take([0]), candidate_lex, profile=profile, mean=mean
    )[0]
    conf = confidence(scores, profile)
    order = np.lexsort((np.asarray(candidate_ids), -scores))[:k]
    return [Match(int(candidate_ids[i]), float(scores[i]), float(conf[i])) for i in order]


class VectorIndex:
    """Unit vectors keyed by int ids; exact top-k cosine search by brute force.

    Rows live in one preallocated array that doubles when full (amortised O(1) insert);
    removal moves the last row into the hole. Not thread-safe: guard it with a lock or use
    it from one thread.
    """

    def __init__(self, dim: int, *, precision: Precision = STORAGE, capacity: int = 1024) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        if precision not in _SCAN_ERROR:
            raise ValueError(f"unknown precision {precision!r}")
        self.dim = dim
        self.precision: Precision = precision
        dtype = {"bfloat16": np.uint16, "float16": np.float16, "float32": np.float32}[precision]
        self._store = np.zeros((max(capacity, 1), dim), dtype=dtype)
        self._ids = np.zeros(max(capacity, 1), dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._sum = np.zeros(dim, dtype=np.float64)  # of stored vectors, for mean()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, item: object) -> bool:
        return item in self._rows

    @property
    def capacity(self) -> int:
        return int(self._store.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (capacity included), not counting the id -> row dict."""
        return int(self._store.nbytes + self._ids.nbytes + self._sum.nbytes)

    @property
    def ids(self) -> np.ndarray:
        """Ids in storage order (a copy)."""
        return self._ids[: len(self)].copy()

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Insert vectors (normalised here); an id already present gets its vector replaced."""
        keys = [int(i) for i in np.asarray(ids, dtype=np.int64).ravel()]
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(keys), -1)
        if matrix.shape[1] != self.dim:
            raise ValueError(f"expected vectors of dimension {self.dim}, got {matrix.shape[1]}")
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate ids in one add() call")
        if not np.isfinite(matrix).all():
            raise ValueError("vectors must be finite")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if (norms == 0).any():
            raise ValueError("zero vectors cannot be compared by cosine")
        encoded = self._encode(matrix / norms)
        self._reserve(len(self) + sum(1 for key in keys if key not in self._rows))
        rows = np.empty(len(keys), dtype=np.intp)
        replaced = np.zeros(len(keys), dtype=bool)
        for j, key in enumerate(keys):
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = len(self._rows)
                self._ids[row] = key
            else:
                replaced[j] = True
            rows[j] = row
        if replaced.any():
            self._sum -= self._decode(self._store[rows[replaced]]).sum(axis=0, dtype=np.float64)
        self._store[rows] = encoded
        self._sum += self._decode(encoded).sum(axis=0, dtype=np.float64)

    def remove(self, ids: Collection[int]) -> int:
        """Drop ids (unknown ones are ignored); returns how many were removed."""
        removed = 0
        for key in ids:
            row = self._rows.pop(int(key), None)
            if row is None:
                continue
            self._sum -= self._decode(self._store[row : row + 1])[0]
            last = len(self._rows)  # the old last row, now outside the live range
            if row != last:
                self._store[row] = self._store[last]
                moved = int(self._ids[last])
                self._ids[row] = moved
                self._rows[moved] = row
            removed += 1
        if not self._rows:
            self._sum[:] = 0.0  # no rounding residue
        return removed

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Stored vectors as float32 rows, in the order of `ids` (KeyError for unknown ids)."""
        rows = np.fromiter((self._rows[int(i)] for i in ids), dtype=np.intp, count=len(ids))
        return self._decode(self._store[rows])

    def mean(self) -> np.ndarray:
        """Mean of the stored vectors: the corpus centre used by centred fused scoring."""
        if not self._rows:
            return np.zeros(self.dim, dtype=np.float32)
        return (self._sum / len(self._rows)).astype(np.float32)

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        exclude: Collection[int] = (),
        allow: Callable[[int], bool] | None = None,
    ) -> list[tuple[int, float]]:
        """The k stored ids most cosine-similar to `query`, best first, as (id, cosine).

        `exclude` ids are skipped; `allow`, if given, is asked about candidates in score order
        until k are accepted, so a predicate most ids pass stays cheap.
        """
        n = len(self._rows)
        q = np.asarray(query, dtype=np.float32).ravel()
        norm = float(np.linalg.norm(q))
        if n == 0 or k <= 0 or norm == 0.0 or not np.isfinite(norm):
            return []
        q = q / norm
        rough = self._scan(q)
        excluded = [row for row in (self._rows.get(int(key)) for key in exclude) if row is not None]
        rough[excluded] = -np.inf
        live = n - len(set(excluded))
        if live == 0:
            return []
        error = _SCAN_ERROR[self.precision]
        verdicts: dict[int, bool] = {}
        m = min(live, 2 * k + 16)
        while True:
            unseen_best = -np.inf
            if m < live:  # the m best by the scan, and the best score left outside them
                rows, unseen_best = _top(rough, m)
            else:
                rows = np.flatnonzero(rough > -np.inf)
            exact = self._decode(self._store[rows]) @ q
            hits: list[tuple[int, float]] = []
            for i in np.lexsort((self._ids[rows], -exact)):
                key = int(self._ids[rows[i]])
                if allow is not None:
                    if key not in verdicts:
                        verdicts[key] = bool(allow(key))
                    if not verdicts[key]:
                        continue
                hits.append((key, float(exact[i])))
                if len(hits) == k:
                    break
            # done when no row outside the shortlist can beat the k-th hit despite scan error
            if m >= live or (len(hits) == k and hits[-1][1] >= unseen_best + error):
                return hits
            m = min(live, 4 * m)

    def _reserve(self, size: int) -> None:
        capacity = self.capacity
        if size <= capacity:
            return
        capacity = max(size, 2 * capacity)  # doubling, or exactly enough for a bulk load
        store = np.zeros((capacity, self.dim), dtype=self._store.dtype)
        store[: len(self)] = self._store[: len(self)]
        ids = np.zeros(capacity, dtype=np.int64)
        ids[: len(self)] = self._ids[: len(self)]
        self._store, self._ids = store, ids

    def _encode(self, matrix: np.ndarray) -> np.ndarray:
        if self.precision == "bfloat16":  # round to nearest even, keep the upper 16 bits
            bits = matrix.astype(np.float32).view(np.uint32)
            return ((bits + ((bits >> 16) & 1) + 0x7FFF) >> 16).astype(np.uint16)
        return matrix.astype(self._store.dtype)

    def _decode(self, stored: np.ndarray) -> np.ndarray:
        if self.precision == "bfloat16":
            return (stored.astype(np.uint32) << 16).view(np.float32)
        return stored.astype(np.float32)

    def _scan(self, q: np.ndarray) -> np.ndarray:
        """Scores of all live rows (float32 copy), within `_SCAN_ERROR` of the exact ones."""
        live = self._store[: len(self)]
        if self.precision == "float32":
            return np.asarray(live @ q, dtype=np.float32)
        import torch  # only the low-precision scans need it; imported once, then cached

        if self.precision == "bfloat16":
            matrix = torch.from_numpy(live).view(torch.bfloat16)
            vector = torch.from_numpy(q).to(torch.bfloat16)
        else:
            matrix, vector = torch.from_numpy(live), torch.from_numpy(q).to(torch.float16)
        with torch.no_grad():
            return torch.mv(matrix, vector).to(torch.float32).numpy()


def _top(scores: np.ndarray, m: int) -> tuple[np.ndarray, float]:
    """Rows of the ``m`` best scores (any order) and the best score outside them.

    torch's top-k makes one pass without copying and is several times faster than numpy's
    argpartition on 100k scores; it runs on every search.
    """
    import torch

    values, rows = torch.topk(torch.from_numpy(scores), m + 1, sorted=True)
    return rows[:m].numpy(), float(values[m])


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
