"""The idea landscape: clusters, their names, likely duplicates, close pairs and a 2-D map.

Texts and arrays in, plain results out; no I/O. ``bot.digest`` feeds it the ideas of a week.

Clustering was chosen by measurement (``bench/digest.py``: cycling dialogues, NMI against the
8 level-1 categories, unclustered posts as one group; each parameter picked on the DEV half of
``bench/quality.split_halves``, figures from the TEST half of 1,570 posts):
    average linkage, cosine, centred e5, cut 0.75        NMI 0.298  (0.9 s)   <- chosen
    average linkage, cosine, raw e5, cut 0.10            NMI 0.271
    average linkage, centred e5 + LSA topics, cut 0.60   NMI 0.309  (14.6 s: the char n-gram
                                                          fit alone breaks the 10k budget)
    HDBSCAN, centred e5, min_cluster_size 5              NMI 0.060  (few clusters, most noise)
    k-means with the true k = 8 (a reference)            NMI 0.241
Lexical topics add +0.011 NMI for 16 times the time, so clusters use embeddings alone.

Names are class-based TF-IDF (c-TF-IDF, as in BERTopic): a term names a cluster when many of
its ideas use it and few ideas elsewhere do. Terms are grouped by their lemma so
"Radweg" and "Radwege" count as one, and shown as most often written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from matching.reasons import lemma, stopwords

# Average linkage on cosine distance of centred e5 vectors, cut at THRESHOLD. See module doc.
THRESHOLD = 0.75
MIN_CLUSTER = 2  # a "cluster" of one idea is no synergy
MAX_AGGLOMERATIVE = 12_000  # the condensed distance matrix grows with n^2 (10k: 400 MB)
# Above this many ideas the map is PCA: t-SNE used 16-19 CPU s at 1k ideas (2 threads).
TSNE_MAX = 500
# sklearn spends the first 250 on early exaggeration; 150 more settle a map of <= 500 points.
TSNE_ITERATIONS = 400
NAME_TERMS = 3
BLOCK = 2048  # rows per block when scanning all pairs

_WORD = re.compile(r"[^\W\d_](?:[\w-]*[^\W_])?", re.UNICODE)
EXTRA_STOPWORDS = frozenset(
    """
    bzw dass sowie ggf evtl z.b usw etc mal sehr ganz eher sowie seit wurde wurden worden
    gibt geben gerne leider bereits schon wieder ebenso daher deren dessen denen welche welcher
    welches viel vielen wenig weniger mehrere einige anderen andere anderer anderes eigentlich
    hierzu hierfür dafür dabei davon dazu darüber außerdem insbesondere möglich möglichkeit
    sollen sollte sollten müsste könnten würden wären habe haben hatte hätte bitte danke
    per via pro beim eines einem einer allem ganze ganzen neben innerhalb außerhalb
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Cluster:
    rows: tuple[int, ...]  # row numbers of the input, ascending
    terms: tuple[str, ...]  # its name: the most distinctive terms, best first


@dataclass(frozen=True)
class Pair:
    a: int  # row numbers, a < b
    b: int
    score: float  # 0..1


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


# -- names ------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Content words as written: no stopwords, no numbers, at least three letters."""
    found = []
    for word in _WORD.findall(text):
        low = word.lower()
        if len(low) >= 3 and low not in stopwords() and low not in EXTRA_STOPWORDS:
            found.append(word)
    return found


def cluster_terms(
    texts: Sequence[str], labels: np.ndarray, k: int = NAME_TERMS
) -> dict[int, tuple[str, ...]]:
    """The ``k`` most distinctive terms of each cluster by class-based TF-IDF.

    Classes are the clusters plus everything unclustered (as one background class), so a term
    common to the whole week names nothing. Term frequency counts ideas, not occurrences: one
    long idea repeating a word does not name a cluster.
    """
    clusters = sorted({int(x) for x in labels if x >= 0})
    if not clusters:
        return {}
    spelled: dict[str, Counter[str]] = {}
    per_class: dict[int, Counter[str]] = {c: Counter() for c in [*clusters, -1]}
    for text, label in zip(texts, labels, strict=True):
        per_class[int(label) if label >= 0 else -1].update(_keys(text, spelled))
    total = Counter[str]()
    for counts in per_class.values():
        total.update(counts)
    counted = Counter(int(x) for x in labels)
    sizes = {c: max(counted[c], 1) for c in clusters}
    average = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    names: dict[int, tuple[str, ...]] = {}
    for c in clusters:
        scored = []
        for key, n in per_class[c].items():
            if n < 2 and sizes[c] > 2:  # a term of one idea does not name a group
                continue
            weight = (n / sizes[c]) * np.log(1 + average / total[key])
            scored.append((-weight, -n, -len(key), key))
        scored.sort()
        names[c] = tuple(_display(spelled[key]) for *_, key in scored[:k])
    return names


def _keys(text: str, spelled: dict[str, Counter[str]]) -> set[str]:
    """The stems of a text's content words; ``spelled`` learns how each stem is written."""
    keys = set()
    for word in words(text):
        for part in _with_head(word):
            key = _stem(part.lower())
            spelled.setdefault(key, Counter())[part] += 1
            keys.add(key)
    return keys


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return lemma(word).lower()


def shared_terms(
    texts_a: Sequence[str], texts_b: Sequence[str], limit: int = NAME_TERMS
) -> tuple[str, ...]:
    """Terms both sides use, those most used on both sides first (for "why these two")."""
    spelled: dict[str, Counter[str]] = {}
    counts_a: Counter[str] = Counter()
    counts_b: Counter[str] = Counter()
    for text in texts_a:
        counts_a.update(_keys(text, spelled))
    for text in texts_b:
        counts_b.update(_keys(text, spelled))
    common = sorted(
        counts_a.keys() & counts_b.keys(),
        key=lambda k: (-min(counts_a[k], counts_b[k]), -len(k), k),
    )
    return tuple(_display(spelled[key]) for key in common[:limit])


def _with_head(word: str) -> list[str]:
    """A hyphenated compound and its head: "Gäste-WLAN" also counts as "WLAN"."""
    head = word.rsplit("-", 1)[-1]
    if head != word and len(head) >= 3 and head.lower() not in stopwords():
        return [word, head]
    return [word]


def _display(forms: Counter[str]) -> str:
    """The spelling used most; capitalised forms (German nouns) win ties."""
    return max(forms.items(), key=lambda kv: (kv[1], kv[0][:1].isupper(), -len(kv[0])))[0]


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


def likely_duplicates(vectors: np.ndarray, min_cosine: float) -> list[Pair]:
    """Pairs whose cosine reaches the duplicate threshold, most certain first.

    ``vectors``: raw unit embeddings; ``min_cosine``: the intake's duplicate threshold
    (``matching.relevance``), so the digest and the bot agree on "the same idea".
    """
    if len(vectors) < 2:
        return []
    pairs = [Pair(a, b, score) for a, b, score in close_pairs(vectors, float(min_cosine))]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


# -- map --------------------------------------------------------------------------------------


def project_2d(points: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates for the map and the method used ("tsne" or "pca").

    t-SNE keeps neighbourhoods, which is what a map of similar ideas should show; above
    ``TSNE_MAX`` ideas its run time breaks the digest's budget and PCA is used instead.
    """
    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32), "none"
    if n < 4:
        return _pca(points), "pca"
    if n > TSNE_MAX:
        return _pca(points), "pca"
    from sklearn.manifold import TSNE

    perplexity = float(min(30, max(2, (n - 1) // 3)))
    coords = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        metric="cosine",
        random_state=seed,
        max_iter=TSNE_ITERATIONS,
    ).fit_transform(points)
    return np.asarray(coords, dtype=np.float32), "tsne"


def _pca(points: np.ndarray) -> np.ndarray:
    """The first two principal components, from the small d x d covariance (not an n x d SVD)."""
    if len(points) < 2:
        return np.zeros((len(points), 2), dtype=np.float32)
    centred = points - points.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    coords = centred @ vectors[:, ::-1][:, :2]
    return np.asarray(coords, dtype=np.float32)
