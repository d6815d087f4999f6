"""The idea landscape: clusters, their names, likely duplicates, close pairs and a 2-D map.

Texts and arrays in, plain results out; no I/O. ``bot.digest`` feeds it the ideas of a week.

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

Names are class-based TF-IDF (c-TF-IDF, as in BERTopic): a term names a cluster when many of
its ideas use it and few elsewhere do; terms count by lemma ("Radweg", "Radwege") and show as
most often written. Stopwords are matched by lemma too, chat filler ("erstmal", "wünsche")
names nothing, nouns beat other words (a theme is a thing), and a compound also counts for
its head when the week uses the head alone ("Eingangsrechnungen" counts for "Rechnung").

The map: t-SNE (PCA above ``TSNE_MAX`` ideas) places ideas, then ``gather`` draws each cluster
together around its densest point. Clusters come from average linkage in 384 dimensions, and
no 2-D projection keeps them all: PCA scattered most groups over the whole map (cycling posts,
600 ideas: 425 of 483 clustered points nearer another group's centre than their own).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matching.reasons import MIN_PART, compound_parts, lemma, stopwords

# Average linkage on cosine distance of centred e5 vectors, cut at THRESHOLD. See module doc.
THRESHOLD = 0.6
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
    erstmal erstmals nochmal schonmal einmal bisschen halt eben echt quasi irgendwie sowieso
    ziemlich total super okay naja vielleicht eventuell wohl tatsächlich wirklich genau klar
    natürlich prima toll schade ständig dringend endlich direkt unbedingt komplett völlig
    deutlich häufig oft selten manchmal teilweise stellenweise wesentlich fast gar kaum
    denken gedacht glauben meinen hoffen wünschen versuchen empfinden vorstellen bekommen brauchen
    """.split()  # noqa: SIM905
)
# A word that is not a noun counts this much of its c-TF-IDF weight when naming a cluster:
# "Wurzeln, Radweg" says what a group is about, "beschädigt, uneben" how its ideas sound.
NON_NOUN_WEIGHT = 0.5
# The map: a cluster of m ideas is drawn within GATHER_RADIUS * sqrt(m) of the map's span of
# its densest point (at most GATHER_MAX), and clusters keep GATHER_SPACING times their radii apart.
GATHER_RADIUS = 0.02
GATHER_MAX = 0.15
GATHER_SPACING = 1.6
GATHER_STEPS = 200
MEDOID_MAX = 2000  # larger clusters take the coordinate-wise median (the medoid needs m^2)
_SKIP_BACK = " \t\"'„“”‚‘’«»()[]-–—"  # between a word and what ends the sentence before it


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


# -- names ------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Content words as written: no stopwords (also by lemma), no numbers, three letters up."""
    return [word for word, _ in _tokens(text)]


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Content words as written, each with whether it reads as a noun.

    German capitalises nouns: a capitalised word inside a sentence is a noun, one at a
    sentence start only if its dictionary form is capitalised too ("Stellenweise" is not).
    """
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not _content(word):
            continue
        noun = word[:1].isupper() and (
            not _sentence_start(text, match.start()) or lemma(word)[:1].isupper()
        )
        found.append((word, noun))
    return found


def _content(word: str) -> bool:
    low = word.lower()
    if len(low) < 3 or _stop(low):
        return False
    return not (_stop(_stem(low)) or _stop(lemma(word).lower()))


def _stop(word: str) -> bool:
    return word in stopwords() or word in EXTRA_STOPWORDS


def _sentence_start(text: str, start: int) -> bool:
    at = start - 1
    while at >= 0 and text[at] in _SKIP_BACK:
        at -= 1
    return at < 0 or text[at] in ".!?:;\n\r•"


def cluster_terms(
    texts: Sequence[str], labels: np.ndarray, k: int = NAME_TERMS
) -> dict[int, tuple[str, ...]]:
    """The ``k`` most distinctive terms of each cluster by class-based TF-IDF.

    Classes are the clusters plus everything unclustered (as one background class), so a term
    common to the whole week names nothing. Term frequency counts ideas, not occurrences: one
    long idea repeating a word does not name a cluster. Words that are no nouns count
    ``NON_NOUN_WEIGHT`` of their weight.
    """
    clusters = sorted({int(x) for x in labels if x >= 0})
    if not clusters:
        return {}
    spelled: dict[str, Counter[str]] = {}
    nouns: Counter[str] = Counter()  # per key: occurrences as a noun minus other occurrences
    tokens = [_tokens(text) for text in texts]
    alone = {_stem(part.lower()) for found in tokens for w, _ in found for part in _with_head(w)}
    per_class: dict[int, Counter[str]] = {c: Counter() for c in [*clusters, -1]}
    for found, label in zip(tokens, labels, strict=True):
        keys = _keys_of(found, spelled, nouns, alone)
        per_class[int(label) if label >= 0 else -1].update(keys)
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
            noun = nouns[key] >= 0
            if not noun:
                weight *= NON_NOUN_WEIGHT
            scored.append((-weight, not noun, -n, -len(key), key))
        scored.sort()
        chosen: list[str] = []
        for *_, key in scored:
            if len(chosen) == k:
                break
            # "Wurzeln, Baumwurzeln" says one thing twice: a compound and its head, one of them
            forms = {key, _display(spelled[key]).lower()}
            shown = {f for other in chosen for f in (other, _display(spelled[other]).lower())}
            if not any(a.endswith(b) or b.endswith(a) for a in forms for b in shown):
                chosen.append(key)
        names[c] = tuple(_display(spelled[key]) for key in chosen)
    return names


def _keys(text: str, spelled: dict[str, Counter[str]]) -> set[str]:
    """The stems of a text's content words; ``spelled`` learns how each stem is written."""
    return _keys_of(_tokens(text), spelled, Counter(), None)


def _keys_of(
    tokens: list[tuple[str, bool]],
    spelled: dict[str, Counter[str]],
    nouns: Counter[str],
    alone: set[str] | None,
) -> set[str]:
    """The stems of a text's words (see ``_keys``); ``nouns`` learns which stems are nouns.

    With ``alone`` (the stems written as words of their own), a compound noun also counts
    for its head if that head is among them: "Eingangsrechnungen" counts for "Rechnung" in a
    week that also has "Rechnungen", but "Ehrenfeld" not for "Feld" unless somebody wrote it.
    """
    keys = set()
    for word, noun in tokens:
        parts = _with_head(word)  # as written: spellings of their stems
        head = None
        if alone is not None and noun and len(parts) == 1:
            head = _compound_head(word)
            if head and _stem(head.lower()) not in alone:
                head = None
        for part in parts:
            key = _stem(part.lower())
            spelled.setdefault(key, Counter())[part] += 1
            is_noun = noun or (part != word and part[:1].isupper())  # a capitalised head
            nouns[key] += 1 if is_noun else -1
            keys.add(key)
        if head:  # counts, but is shown as the week writes it
            key = _stem(head.lower())
            nouns[key] += 1
            keys.add(key)
    return keys


@lru_cache(maxsize=65536)
def _compound_head(word: str) -> str | None:
    """The last part of a compound noun ("Eingangsrechnungen" -> "Rechnung"), else None."""
    parts = compound_parts(lemma(word))
    head = parts[-1]
    if len(parts) < 2 or len(head) < MIN_PART or not _content(head):
        return None
    return head


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
    if head != word and _content(head):
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


def layout_2d(points: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, str]:
    """The map: ``project_2d``, then each cluster gathered in one place (see ``gather``)."""
    coords, method = project_2d(points, seed=seed)
    return gather(coords, labels), method


def gather(coords: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Coordinates with each cluster drawn together, and clusters kept apart.

    A cluster's points move towards its medoid (its densest point, so a group the projection
    split in two lands where most of it was) until they lie within ``GATHER_RADIUS *
    sqrt(size)`` of the map's span; their arrangement is kept, only shrunk. Then overlapping
    clusters push each other apart, the bigger one moving less. Unclustered points stay.
    """
    out = np.array(coords, dtype=np.float64)
    labels = np.asarray(labels)
    clusters = sorted({int(x) for x in labels if x >= 0})
    if not clusters or len(out) < 2:
        return out.astype(np.float32)
    span = float(np.ptp(out, axis=0).max()) or 1.0
    members = [np.flatnonzero(labels == c) for c in clusters]
    anchors = np.zeros((len(clusters), 2))
    radii = np.zeros(len(clusters))
    for n, rows in enumerate(members):
        own = out[rows]
        anchors[n] = _medoid(own)
        offsets = own - anchors[n]
        reach = float(np.linalg.norm(offsets, axis=1).max())
        limit = span * min(GATHER_RADIUS * math.sqrt(len(rows)), GATHER_MAX)
        if reach > limit:
            offsets *= limit / reach
        out[rows] = anchors[n] + offsets
        radii[n] = max(min(reach, limit), span * GATHER_RADIUS)
    moved = _separate(anchors, radii, np.array([len(rows) for rows in members], dtype=float))
    for n, rows in enumerate(members):
        out[rows] += moved[n] - anchors[n]
    return out.astype(np.float32)


def _medoid(own: np.ndarray) -> np.ndarray:
    if len(own) > MEDOID_MAX:
        return np.asarray(np.median(own, axis=0))
    distances = np.linalg.norm(own[:, None, :] - own[None, :, :], axis=2)
    return np.asarray(own[int(np.argmin(distances.sum(axis=1)))])


def _separate(anchors: np.ndarray, radii: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Discs (centre, radius) pushed apart until ``GATHER_SPACING`` times their radii fit."""
    from scipy.spatial import cKDTree

    centres = anchors.copy()
    reach = 2 * GATHER_SPACING * float(radii.max())
    for step in range(GATHER_STEPS):
        pairs = cKDTree(centres).query_pairs(reach, output_type="ndarray")
        if not len(pairs):
            break
        a, b = pairs[:, 0], pairs[:, 1]
        delta = centres[a] - centres[b]
        distance = np.linalg.norm(delta, axis=1)
        overlap = GATHER_SPACING * (radii[a] + radii[b]) - distance
        close = overlap > 1e-9 * reach
        if not close.any():
            break
        a, b, overlap = a[close], b[close], overlap[close]
        delta, distance = delta[close], distance[close]
        same = distance < 1e-12  # one place: part along a fixed direction per pair
        angle = (a[same] * 2.399963 + b[same] + step) % (2 * math.pi)
        delta[same] = np.column_stack([np.cos(angle), np.sin(angle)])
        distance[same] = 1.0
        direction = delta / distance[:, None]
        share_a = sizes[b] / (sizes[a] + sizes[b])  # the smaller cluster moves more
        push = np.zeros_like(centres)
        np.add.at(push, a, direction * (overlap * share_a)[:, None])
        np.add.at(push, b, -direction * (overlap * (1 - share_a))[:, None])
        centres += 0.5 * push
    return centres


def _pca(points: np.ndarray) -> np.ndarray:
    """The first two principal components, from the small d x d covariance (not an n x d SVD)."""
    if len(points) < 2:
        return np.zeros((len(points), 2), dtype=np.float32)
    centred = points - points.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    coords = centred @ vectors[:, ::-1][:, :2]
    return np.asarray(coords, dtype=np.float32)
