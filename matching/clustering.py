"""The idea landscape: clusters (each with its name), likely duplicates and close pairs.

Texts and arrays in, plain results out; no I/O. ``bot.digest_analysis`` feeds it a week's ideas.

Clustering was chosen by measurement (``bench/digest.py``: cycling dialogues, NMI against the
8 level-1 categories, unclustered posts as one group; each parameter picked on the DEV half of
``bench/quality.split_halves``, figures from the TEST half of 1,570 posts):
    average linkage, cosine, centred e5, cut 0.75        NMI 0.298  (0.9 s)   <- method chosen
    average linkage, cosine, raw e5, cut 0.10            NMI 0.271
    average linkage, centred e5 + LSA topics, cut 0.60   NMI 0.309  (+0.011 for 16x the time)
    HDBSCAN, centred e5, min_cluster_size 5              NMI 0.060  (few clusters, most noise)
    k-means with the true k = 8 (a reference)            NMI 0.241

The cut is 0.6, not NMI's 0.75: the CDO needs groups that make sense. In 30-idea weeks of the
blind municipal sets a grouped pair shares a theme 0.80 (dev) / 0.69 (test) of the time, at
0.75 only 0.48 / 0.44 (it grouped laptops for schools with bicycle parking; bench/digest.py).

Clusters are named by ``matching.cluster_terms`` (class-based TF-IDF, see there); the 2-D map
of them is ``matching.map_layout``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.cluster_terms import NAME_TERMS, cluster_terms
from matching.margin import pair_margins

# Average linkage on cosine distance of centred e5 vectors, cut at THRESHOLD. See module doc.
THRESHOLD = 0.6
MIN_CLUSTER = 2  # a "cluster" of one idea is no synergy
MAX_AGGLOMERATIVE = 12_000  # the condensed distance matrix grows with n^2 (10k: 400 MB)
BLOCK = 2048  # rows per block when scanning all pairs


@dataclass(frozen=True)
class Cluster:
    rows: tuple[int, ...]  # row numbers of the input, ascending
    terms: tuple[str, ...]  # its name: the most distinctive terms, best first


@dataclass(frozen=True)
class Pair:
    a: int  # row numbers, a < b
    b: int
    score: float  # 0..1
    margin: float = 0.0  # of a likely duplicate (``matching.margin``)


# -- features and clusters --------------------------------------------------------------------


def features(vectors: np.ndarray, centre: np.ndarray | None = None) -> np.ndarray:
    """Unit rows after removing ``centre`` (default: the rows' mean).

    What all ideas share says nothing about a pair; removing it spreads the e5 cosines
    (random pairs 0.86 +- 0.02 raw) so one distance threshold can separate topics.
    """
    matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if len(matrix) == 0:
        return matrix
    moved = matrix - (matrix.mean(axis=0) if centre is None else centre)
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


def agglomerative_labels(points: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Average-linkage clusters of unit rows, cut where the mean cosine distance > threshold."""
    if len(points) < 2:
        return np.zeros(len(points), dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage  # loaded for a digest only

    tree = linkage(cosine_distances(points), method="average")
    return np.asarray(fcluster(tree, t=threshold, criterion="distance"), dtype=np.int64) - 1


def cosine_distances(points: np.ndarray) -> np.ndarray:
    """Condensed cosine distances of unit rows (scipy's layout), by blocks of BLAS products.

    scipy's own ``pdist`` computes them pair by pair in a C loop: at 10k ideas that alone
    takes longer than the whole digest may.
    """
    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    offset = 0
    for start in range(0, n, BLOCK):
        block = points[start : start + BLOCK] @ points.T
        for r in range(len(block)):
            row = start + r
            width = n - row - 1
            out[offset : offset + width] = block[r, row + 1 :]
            offset += width
    np.subtract(1.0, out, out=out)
    np.clip(out, 0.0, 2.0, out=out)
    return out


def hdbscan_labels(points: np.ndarray, min_cluster_size: int = 5) -> np.ndarray:
    """HDBSCAN (scikit-learn) on unit rows: -1 marks ideas that belong to no cluster."""
    from sklearn.cluster import HDBSCAN

    if len(points) < max(min_cluster_size, 2):
        return np.full(len(points), -1, dtype=np.int64)
    model = HDBSCAN(min_cluster_size=min_cluster_size, metric="euclidean", copy=True)
    return np.asarray(model.fit_predict(points), dtype=np.int64)


def cluster_labels(
    points: np.ndarray, *, threshold: float = THRESHOLD, min_size: int = MIN_CLUSTER
) -> np.ndarray:
    """The chosen method; clusters smaller than ``min_size`` become -1 (no cluster).

    The distance matrix grows with the square of the ideas, so above ``MAX_AGGLOMERATIVE``
    rows only the last ones are clustered - callers pass rows oldest first, so these are the
    newest - and the older rest stays unclustered. (HDBSCAN, which needs no matrix, scored an
    NMI of 0.06 on the cycling posts: no fallback worth having.)
    """
    labels = np.full(len(points), -1, dtype=np.int64)
    start = max(0, len(points) - MAX_AGGLOMERATIVE)
    labels[start:] = agglomerative_labels(points[start:], threshold)
    return drop_small(labels, min_size)


def drop_small(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Renumber clusters 0.. by size (largest first); small ones and noise become -1."""
    counts = Counter(int(x) for x in labels if x >= 0)
    keep = [label for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    keep = [label for label in keep if counts[label] >= min_size]
    mapping = {label: number for number, label in enumerate(keep)}
    return np.array([mapping.get(int(x), -1) for x in labels], dtype=np.int64)


def clusters_of(texts: Sequence[str], labels: np.ndarray, k: int = NAME_TERMS) -> list[Cluster]:
    names = cluster_terms(texts, labels, k)
    found = []
    for c in sorted(names):
        rows = tuple(int(i) for i in np.flatnonzero(labels == c))
        found.append(Cluster(rows, names[c]))
    return found


# -- pairs ------------------------------------------------------------------------------------


def close_pairs(points: np.ndarray, min_cosine: float) -> list[tuple[int, int, float]]:
    """All row pairs (a < b) whose cosine is at least ``min_cosine``, scanned in blocks."""
    points = np.asarray(points, dtype=np.float32)
    found: list[tuple[int, int, float]] = []
    for start in range(0, len(points), BLOCK):
        block = points[start : start + BLOCK] @ points.T
        rows, cols = np.nonzero(block >= min_cosine)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            a = start + r
            if a < c:
                found.append((a, c, float(block[r, c])))
    return found


def likely_duplicates(
    vectors: np.ndarray, min_cosine: float, min_margin: float, background: np.ndarray
) -> list[Pair]:
    """Pairs the intake would mark as the same idea, most certain (highest margin) first.

    ``vectors``: raw unit embeddings; ``min_cosine`` and ``min_margin``: the intake's
    duplicate thresholds (``matching.relevance``), with the reference ideas' vectors as the
    ``background`` of the margin (``matching.margin``), so the digest and the bot agree.
    """
    if len(vectors) < 2:
        return []
    close = close_pairs(vectors, float(min_cosine))
    margins = pair_margins(vectors, close, background)
    pairs = [Pair(a, b, c, m) for (a, b, c), m in zip(close, margins, strict=True)]
    return sorted((p for p in pairs if p.margin >= min_margin), key=lambda p: (-p.margin, p.a, p.b))
