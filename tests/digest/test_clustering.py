"""matching.clustering on arrays built for the purpose: groups, names, pairs, the map."""

from __future__ import annotations

import numpy as np
import pytest

from matching import cluster_terms, clustering, map_layout


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def blobs(sizes: list[int], dim: int = 64, spread: float = 0.15, seed: int = 0) -> np.ndarray:
    """Groups of vectors around random centres; singletons are unrelated vectors."""
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        centre = rng.normal(size=dim)
        for _ in range(size):
            rows.append(centre + spread * np.linalg.norm(centre) * rng.normal(size=dim) / 8)
    return unit(np.array(rows))


def test_planted_groups_are_found_and_singletons_left_alone() -> None:
    points = clustering.features(blobs([5, 4, 3, 1, 1, 1]))
    labels = clustering.cluster_labels(points)
    assert list(labels[:5]) == [0] * 5
    assert list(labels[5:9]) == [1] * 4
    assert list(labels[9:12]) == [2] * 3
    assert list(labels[12:]) == [-1, -1, -1]


def test_drop_small_numbers_clusters_by_size() -> None:
    labels = clustering.drop_small(np.array([7, 7, 3, 3, 3, 9, -1]), 2)
    assert list(labels) == [1, 1, 0, 0, 0, -1, -1]


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n: int) -> None:
    points = clustering.features(blobs([1] * n)) if n else np.zeros((0, 64), np.float32)
    assert len(clustering.cluster_labels(points)) == n
    coords, _ = map_layout.project_2d(points)
    assert coords.shape == (n, 2)
    assert clustering.likely_duplicates(points, 0.9, 0.0, np.zeros((0, 64), np.float32)) == []


TEXTS = [
    "WLAN in allen Sitzungsräumen einrichten",
    "Das WLAN im Rathaus ist zu langsam",
    "Gäste-WLAN für Besucher im Rathaus",
    "Eingangsrechnungen digital verarbeiten",
    "Rechnungen digital freigeben",
    "Parkausweise online beantragen",
]


def test_cluster_names_are_the_distinctive_terms() -> None:
    labels = np.array([0, 0, 0, 1, 1, -1])
    names = cluster_terms.cluster_terms(TEXTS, labels, k=2)
    assert names[0][0] == "WLAN"
    assert "Rathaus" in names[0]
    assert names[1][0] == "digital" or "Rechnungen" in names[1]
    assert "allen" not in names[0] and "ist" not in names[0]  # stopwords name nothing


def test_stems_group_inflections_and_show_the_common_spelling() -> None:
    texts = ["Radwege sanieren", "Radweg verbreitern", "Radwege beleuchten", "Parken"]
    names = cluster_terms.cluster_terms(texts, np.array([0, 0, 0, -1]), k=1)
    assert names[0] == ("Radwege",)


def test_close_pairs_across_blocks_match_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    points = blobs([3, 2, 4, 1, 2], seed=3)
    monkeypatch.setattr(clustering, "BLOCK", 4)
    found = {(a, b) for a, b, _ in clustering.close_pairs(points, 0.9)}
    scores = points @ points.T
    expected = {
        (a, b) for a in range(len(points)) for b in range(a + 1, len(points)) if scores[a, b] >= 0.9
    }
    assert found == expected and found


def test_likely_duplicates_only_near_copies() -> None:
    rng = np.random.default_rng(1)
    base = unit(rng.normal(size=(6, 32)))
    copy = unit(base[2:3] + 0.005 * rng.normal(size=(1, 32)))
    vectors = np.vstack([base, copy])
    pairs = clustering.likely_duplicates(vectors, 0.9, 0.0, np.zeros((0, 32), np.float32))
    assert [(p.a, p.b) for p in pairs] == [(2, 6)]
    assert 0.9 <= pairs[0].score <= 1.0


def test_a_close_pair_in_a_crowd_is_no_likely_duplicate() -> None:
    """Two ideas as close as a planted copy, but no closer to each other than to the ten
    others of their crowd, are not "the same idea": what the margin is for."""
    rng = np.random.default_rng(2)
    crowd = unit(rng.normal(size=(1, 32)) + 0.15 * rng.normal(size=(12, 32)))
    copy = unit(crowd[:1] + 0.01 * rng.normal(size=(1, 32)))
    vectors = np.vstack([crowd, copy])
    background = unit(rng.normal(size=(20, 32)))
    pairs = clustering.likely_duplicates(vectors, 0.9, 0.02, background)
    assert (0, 12) in [(p.a, p.b) for p in pairs]
    assert all(vectors[p.a] @ vectors[p.b] >= 0.9 for p in pairs)
    crowd_pairs = [(p.a, p.b) for p in pairs if p.b < 12]
    assert crowd_pairs == [], crowd_pairs
    assert len(clustering.close_pairs(crowd, 0.9)) == 66  # every pair of the crowd is close


def test_map_coordinates_keep_groups_together() -> None:
    points = clustering.features(blobs([10, 10], seed=5))
    coords, method = map_layout.project_2d(points)
    assert method == "tsne" and coords.shape == (20, 2)
    a, b = coords[:10].mean(axis=0), coords[10:].mean(axis=0)
    inner = np.linalg.norm(coords[:10] - a, axis=1).mean()
    assert np.linalg.norm(a - b) > 2 * inner


def test_large_maps_fall_back_to_pca(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_layout, "TSNE_MAX", 5)
    coords, method = map_layout.project_2d(clustering.features(blobs([4, 4])))
    assert method == "pca" and coords.shape == (8, 2)


def test_above_the_matrix_limit_only_the_newest_rows_are_clustered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clustering, "MAX_AGGLOMERATIVE", 6)
    points = clustering.features(blobs([3, 3, 3]))  # oldest first
    labels = clustering.cluster_labels(points)
    assert list(labels[:3]) == [-1, -1, -1]
    assert len(set(labels[3:6])) == 1 and len(set(labels[6:])) == 1 and labels[3] != labels[6]


# -- names: no filler words, nouns first --------------------------------------------------------

# Filler words of chat messages the issue saw as theme names, and their inflections.
FILLER = {"erst", "mal", "bitte", "sollte", "schon", "gibt", "immer", "wäre", "einfach", "mehr"}
FILLER |= {"erstmal", "nochmal", "schonmal", "eigentlich", "gedacht"}


def is_filler(term: str) -> bool:
    from matching.reasons import lemma, stopwords

    forms = {term.lower(), lemma(term).lower(), lemma(term.lower()).lower()}
    return bool(forms & (FILLER | stopwords() | cluster_terms.EXTRA_STOPWORDS))


CHATTY = [
    "Erstmal bitte die Formulare einfacher machen, das wäre schon gut",
    "Man sollte erstmal die Formulare einfacher gestalten, immer mehr Leute fragen",
    "Es gibt immer mehr Formulare, erstmal einfacher machen wäre schön",
    "Erstmal sollte das WLAN im Rathaus einfacher werden, gibt es ja schon",
    "Das WLAN im Rathaus ist erstmal einfacher als gedacht, bitte mehr davon",
    "Parkplätze am Bahnhof",
]


def test_filler_words_and_their_inflections_name_no_cluster() -> None:
    names = cluster_terms.cluster_terms(CHATTY, np.array([0, 0, 0, 1, 1, -1]), k=3)
    assert "Formulare" in names[0] and "WLAN" in names[1], names
    for terms in names.values():
        assert not [term for term in terms if is_filler(term)], names


def test_nouns_name_a_cluster_before_other_words() -> None:
    texts = [
        "Die Baumwurzeln haben den Radweg stellenweise beschädigt",
        "Stellenweise ist der Radweg durch Wurzeln beschädigt",
        "Wurzeln heben den Radweg an, stellenweise beschädigt",
        "Parkplätze am Bahnhof",
    ]
    names = cluster_terms.cluster_terms(texts, np.array([0, 0, 0, -1]), k=2)
    assert set(names[0]) == {"Radweg", "Wurzeln"}, names


def test_compound_heads_join_their_words() -> None:
    """ "Eingangsrechnungen" and "Ausgangsrechnung" meet in "Rechnung", also written alone."""
    texts = [
        "Eingangsrechnungen automatisch erfassen",
        "Jede Rechnung digital freigeben",
        "Ausgangsrechnungen digital versenden",
        "Parkplätze am Bahnhof",
    ]
    names = cluster_terms.cluster_terms(texts, np.array([0, 0, 0, -1]), k=1)
    assert names[0][0].lower().startswith("rechnung"), names


# -- the map: one theme, one place -------------------------------------------------------------


def assert_compact(coords: np.ndarray, labels: np.ndarray) -> None:
    """Every clustered point is nearer its own cluster's centre than any other's, and each
    cluster covers a small part of the map."""
    clusters = sorted({int(x) for x in labels if x >= 0})
    centres = np.array([coords[labels == c].mean(axis=0) for c in clusters])
    span = float(np.ptp(coords, axis=0).max())
    for row in np.flatnonzero(labels >= 0):
        nearest = clusters[int(np.argmin(np.linalg.norm(centres - coords[row], axis=1)))]
        assert nearest == labels[row], (row, labels[row], nearest)
    for c, centre in zip(clusters, centres, strict=True):
        radius = float(np.linalg.norm(coords[labels == c] - centre, axis=1).max())
        assert radius <= 0.2 * span, (c, radius, span)


@pytest.mark.parametrize("tsne_max", [500, 5])
def test_layout_keeps_each_cluster_in_one_place(
    monkeypatch: pytest.MonkeyPatch, tsne_max: int
) -> None:
    """Also with PCA (above TSNE_MAX ideas), which mixes groups of nearly orthogonal vectors."""
    monkeypatch.setattr(map_layout, "TSNE_MAX", tsne_max)
    points = clustering.features(blobs([6, 5, 5, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1], seed=7))
    labels = clustering.cluster_labels(points)
    coords, method = map_layout.layout_2d(points, labels)
    assert method == ("tsne" if tsne_max == 500 else "pca")
    assert coords.shape == (len(points), 2) and np.isfinite(coords).all()
    assert_compact(coords, labels)


def test_layout_of_a_cluster_split_by_the_projection_is_joined() -> None:
    coords = np.array([[0, 0], [0.1, 0], [10, 10], [10.1, 10], [5, 5], [9.9, 10.1]], np.float32)
    labels = np.array([0, 0, 1, 1, -1, 0])  # the last point of 0 landed among the 1s
    gathered = map_layout.gather(coords, labels)
    assert_compact(gathered, labels)
    assert np.allclose(gathered[4], coords[4])  # unclustered points stay where they are


def test_a_name_says_a_compound_and_its_head_once() -> None:
    texts = [
        "Der Sicherheitsabstand zur Spur fehlt",
        "Abstand halten, Sicherheitsabstand auf der Spur",
        "Baumwurzeln und Wurzeln auf dem Radweg",
        "Wurzeln heben den Radweg",
        "Parken",
    ]
    names = cluster_terms.cluster_terms(texts, np.array([0, 0, 1, 1, -1]), k=3)
    for terms in names.values():
        low = [term.lower() for term in terms]
        assert not [(a, b) for a in low for b in low if a != b and a.endswith(b)], names
