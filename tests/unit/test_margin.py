"""The duplicate margin: the intake (IdeaEngine) and the digest (pair_margins) agree, and the
one idea marked "the same" is the one that stands out, not merely the closest."""

from __future__ import annotations

import numpy as np
import pytest

from matching.engine import IdeaEngine, Match
from matching.margin import NEIGHBOURS, density, margin, pair_margins
from matching.relevance import Thresholds

DIM = 24


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def thresholds(cosine: float, least: float) -> Thresholds:
    return Thresholds(cosine, 0, 0, 0, 0, 0, duplicate_margin=least)


def test_density_is_the_mean_of_the_nearest_neighbours() -> None:
    cosines = np.array([0.1 * i for i in range(NEIGHBOURS + 5)], np.float32)
    assert density(cosines) == pytest.approx(float(np.sort(cosines)[-NEIGHBOURS:].mean()))
    assert density(np.array([0.5, 0.7], np.float32)) == pytest.approx(0.6)
    assert margin(0.9, 0.8, 0.7) == pytest.approx(0.3)


def test_the_intake_and_the_digest_compute_the_same_margins() -> None:
    rng = np.random.default_rng(3)
    stored = unit(rng.normal(size=(30, DIM)))
    new = unit(stored[4:5] + 0.3 * rng.normal(size=(1, DIM)))[0]
    background = unit(rng.normal(size=(8, DIM)))
    engine = IdeaEngine(DIM, background)
    engine.add(list(range(30)), stored)
    matches = [Match(i, 0.0, float(stored[i] @ new)) for i in (4, 9, 17)]
    at_intake = engine.margins(new, matches)
    everything = np.vstack([stored, new[None, :]])
    in_digest = pair_margins(everything, [(m.id, 30, m.duplicate) for m in matches], background)
    assert [at_intake[m.id] for m in matches] == pytest.approx(in_digest, abs=1e-4)


def test_the_same_idea_is_the_one_that_stands_out() -> None:
    """A crowd of near-equal ideas and one idea alone (100); the new idea is closest by cosine
    to one of the crowd, but only idea 100 is closer to it than to everything else."""
    rng = np.random.default_rng(5)
    theme = rng.normal(size=(1, DIM))
    crowd = unit(theme + 0.25 * rng.normal(size=(12, DIM)))
    loner = unit(rng.normal(size=(1, DIM)))
    new = unit(0.51 * loner + 0.49 * unit(theme))[0]
    engine = IdeaEngine(DIM, unit(rng.normal(size=(8, DIM))))
    engine.add([100, *range(12)], np.vstack([loner, crowd]))
    ids = [100, *range(12)]
    cosines = np.vstack([loner, crowd]) @ new
    closest = sorted(zip(ids, cosines, strict=True), key=lambda ic: -ic[1])[:3]
    matches = [Match(i, 0.0, float(c)) for i, c in closest]
    assert matches[0].id != 100 and 100 in [m.id for m in matches]  # a crowd idea is closest
    margins = engine.margins(new, matches)
    assert max(margins, key=lambda i: margins[i]) == 100
    assert engine.same_idea(new, matches, thresholds(-1.0, margins[100])) == 100
    assert engine.same_idea(new, matches, thresholds(-1.0, margins[100] + 0.01)) is None
    # the cosine threshold still has to be met first
    assert engine.same_idea(new, matches, thresholds(float(cosines.max()) + 0.01, -9)) is None
