"""The idea map: 2-D coordinates for the ideas, each cluster drawn in one place.

Arrays in, arrays out; no I/O. ``bot.digest_analysis`` lays out the ideas of a week with
``layout_2d``, and ``bot.digest_map`` draws them.

t-SNE (PCA above ``TSNE_MAX`` ideas) places ideas, then ``gather`` draws each cluster
together around its densest point. Clusters come from average linkage in 384 dimensions
(``matching.clustering``), and no 2-D projection keeps them all: PCA scattered most groups
over the whole map (cycling posts, 600 ideas: 425 of 483 clustered points nearer another
group's centre than their own).
"""

from __future__ import annotations

import math

import numpy as np

# Above this many ideas the map is PCA: t-SNE used 16-19 CPU s at 1k ideas (2 threads).
TSNE_MAX = 500
# sklearn spends the first 250 on early exaggeration; 150 more settle a map of <= 500 points.
TSNE_ITERATIONS = 400
# A cluster of m ideas is drawn within GATHER_RADIUS * sqrt(m) of the map's span of
# its densest point (at most GATHER_MAX), and clusters keep GATHER_SPACING times their radii apart.
GATHER_RADIUS = 0.02
GATHER_MAX = 0.15
GATHER_SPACING = 1.6
GATHER_STEPS = 200
MEDOID_MAX = 2000  # larger clusters take the coordinate-wise median (the medoid needs m^2)


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
        method="exact",  # Barnes-Hut took 2-4 s for 32 to 300 ideas, exact 0.2-1.2 s
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
