"""The map and the names of a seeded digest, with the real model: one theme, one place."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import Settings
from bot.digest import Digest
from bot.digest_build import build_digest, digest_for
from bot.digest_map import draw_map
from bot.i18n import Translator
from knowledge.open import open_store
from knowledge.records import NewIdea
from matching import map_layout
from matching.encoder import SentenceEncoder
from tests.digest.conftest import Seeded
from tests.digest.test_clustering import assert_compact, is_filler
from tests.digest.test_render_layout import drawn, hits

pytestmark = pytest.mark.model


def build(seeded: Seeded) -> Digest:
    return digest_for(seeded.store, seeded.settings, seeded.clock(), seeded.matcher)


def map_arrays(digest: Digest) -> tuple[np.ndarray, np.ndarray]:
    coords = np.array([(p.x, p.y) for p in digest.map_points])
    return coords, np.array([p.cluster for p in digest.map_points])


@pytest.mark.parametrize("tsne_max", [500, 5])
def test_each_theme_lies_in_one_place_on_the_map(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, tsne_max: int
) -> None:
    """The planted themes (and the background's own groups) are compact, with t-SNE and with
    the PCA used above ``TSNE_MAX`` ideas."""
    monkeypatch.setattr(map_layout, "TSNE_MAX", tsne_max)
    digest = build(seeded)
    assert digest.projection == ("tsne" if tsne_max == 500 else "pca")
    coords, labels = map_arrays(digest)
    assert len({int(x) for x in labels if x >= 0}) >= 3
    assert_compact(coords, labels)


def test_the_seeded_map_draws_each_theme_in_its_colour_beside_its_label(
    seeded: Seeded, saved_figures: list[Any]
) -> None:
    digest = build(seeded)
    draw_map(digest, Translator())
    circles, labels, frame = drawn(saved_figures[-1])
    assert len(labels) == len(digest.clusters)
    edges = [edge for _, edge in labels]
    assert len(set(edges)) == len(edges)
    by_place = {(round(x, 3), round(y, 3)): colour for x, y, _, colour in circles}
    axes = saved_figures[-1].axes[0]
    for point in digest.map_points:
        x, y = axes.transData.transform((point.x, point.y))
        colour = by_place[(round(float(x), 3), round(float(y), 3))]
        if point.cluster < 0:
            assert colour not in edges
            continue
        assert colour == edges[point.cluster]
        box = labels[point.cluster][0]
        gap = math.hypot(x - min(max(x, box.x0), box.x1), y - min(max(y, box.y0), box.y1))
        assert gap < 0.2 * frame.width, (point, gap)
    for n, (box, _) in enumerate(labels):
        assert not [c for c in circles if hits(box, *c[:3])], n
        assert not any(box.overlaps(other) for other, _ in labels[n + 1 :])


# Ideas as staff write them in a chat: full of filler words, on three themes.
CHATTY = [
    ("Erstmal bitte die Antragsformulare einfacher machen, das wäre schon gut", "FD 10"),
    ("Man sollte erstmal die Formulare für Anträge einfacher gestalten", "FD 20"),
    ("Es gibt immer mehr Formulare, die Anträge einfacher machen wäre schön", "FD 32"),
    ("Das WLAN im Rathaus sollte erstmal schneller werden, gibt es ja schon lange", "FD 10"),
    ("Das WLAN in den Sitzungsräumen ist erstmal zu langsam, bitte mehr Zugangspunkte", "FD 51"),
    ("Im Rathaus immer wieder kein WLAN, das wäre einfach zu verbessern", "FD 20"),
    ("Eigentlich sollte man Rechnungen einfach digital freigeben, wäre schon gut", "FD 20"),
    ("Erstmal die Eingangsrechnungen digital erfassen, gibt ja immer mehr davon", "FD 32"),
    ("Rechnungen bitte einfach elektronisch prüfen und freigeben, erstmal intern", "FD 61"),
]


def test_theme_names_are_no_filler_words(tmp_path: Path, encoder: SentenceEncoder) -> None:
    store = open_store(tmp_path / "data")
    try:
        with store.transaction():
            for text, department in CHATTY:
                store.add_idea(NewIdea(text, None, department=department), "2026-11-27T10:00:00Z")
        now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
        digest = build_digest(store, Settings(data_dir=tmp_path / "data"), now, encoder=encoder)
    finally:
        store.close()
    names = [c.terms for c in digest.clusters]
    assert len(names) >= 2, names
    for terms in names:
        assert terms and not [term for term in terms if is_filler(term)], names
        assert terms[0][:1].isupper(), names  # a noun first
