"""VectorIndex and semantic cosines, on small hand-made data (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from matching.similarity import VectorIndex, semantic_cosines

PRECISIONS = ["int8x2", "float16", "float32"]
DIM = 16


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def brute_force(index: VectorIndex, query: np.ndarray, k: int, skip: set[int]) -> list[int]:
    """Exact float32 search over what the index stores; ties broken by id like the index."""
    ids = index.ids
    scores = index.vectors(ids) @ (query / np.linalg.norm(query))
    ranked = sorted(zip(-scores, ids, strict=True))
    return [int(i) for _, i in ranked if int(i) not in skip][:k]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture(params=["torch", "numpy"])
def scan_with(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Scans through torch (the bot's process) and through numpy (a one-shot command, where
    torch is not loaded): both must give the same results."""
    import matching.similarity as similarity

    if request.param == "torch":
        import torch  # noqa: F401  (loaded, as in the bot's process)
    monkeypatch.setattr(similarity, "_torch_loaded", lambda: request.param == "torch")
    return str(request.param)


# --- VectorIndex ---------------------------------------------------------------------------


@pytest.mark.parametrize("precision", PRECISIONS)
def test_empty_index_finds_nothing(precision: str) -> None:
    index = VectorIndex(DIM, precision=precision)  # type: ignore[arg-type]
    assert len(index) == 0
    assert 3 not in index
    assert index.search(np.ones(DIM, np.float32), 5) == []
    assert np.all(index.mean() == 0)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_search_matches_brute_force(
    precision: str, rng: np.random.Generator, scan_with: str
) -> None:
    index = VectorIndex(DIM, precision=precision)  # type: ignore[arg-type]
    vectors = unit(rng, 300)
    index.add(np.arange(300) * 10, vectors)
    for query in unit(rng, 20):
        hits = index.search(query, 7)
        assert [i for i, _ in hits] == brute_force(index, query, 7, set())
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(-1.0001 <= s <= 1.0001 for s in scores)


@pytest.mark.parametrize("precision", ["int8x2", "float16"])
def test_low_precision_search_is_exact_over_stored_vectors(
    precision: str, rng: np.random.Generator, scan_with: str
) -> None:
    """The rough scan only shortlists: results equal a float32 index of the same values."""
    vectors = unit(rng, 2000, 384) * 0.1 + unit(rng, 1, 384)  # clustered, many near-ties
    low = VectorIndex(384, precision=precision)  # type: ignore[arg-type]
    low.add(np.arange(2000), vectors)
    stored = low.vectors(low.ids)
    for query in vectors[:30]:
        hits = low.search(query, 10)
        assert [i for i, _ in hits] == brute_force(low, query, 10, set())
        exact = stored[[i for i, _ in hits]] @ (query / np.linalg.norm(query))
        assert [s for _, s in hits] == pytest.approx(exact.tolist(), abs=1e-6)


def test_stored_vectors_are_normalised_and_close(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM)
    raw = unit(rng, 5) * 3.0
    index.add([1, 2, 3, 4, 5], raw)
    stored = index.vectors([5, 1])
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-2)
    assert np.allclose(stored, raw[[4, 0]] / 3.0, atol=1e-2)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_exclude_and_allow_filters(precision: str, rng: np.random.Generator) -> None:
    index = VectorIndex(DIM, precision=precision)  # type: ignore[arg-type]
    index.add(range(100), unit(rng, 100))
    query = index.vectors([42])[0]
    assert index.search(query, 1)[0][0] == 42
    skip = {42, 7, 999}  # unknown ids in exclude are fine
    hits = index.search(query, 5, exclude=skip)
    assert [i for i, _ in hits] == brute_force(index, query, 5, skip)
    odd = index.search(query, 5, allow=lambda i: i % 2 == 1)
    even = {i for i in range(100) if i % 2 == 0}
    assert [i for i, _ in odd] == brute_force(index, query, 5, even)
    assert index.search(query, 5, allow=lambda i: False) == []
    assert index.search(query, 5, exclude=range(100)) == []


def test_k_larger_than_size_returns_everything_sorted(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM)
    index.add([5, 6, 7], unit(rng, 3))
    hits = index.search(unit(rng, 1)[0], 50)
    assert sorted(i for i, _ in hits) == [5, 6, 7]
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert index.search(unit(rng, 1)[0], 0) == []


def test_growth_doubles_capacity_and_keeps_rows(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM, capacity=2)
    vectors = unit(rng, 37)
    for i, vector in enumerate(vectors):
        index.add([i], vector[None, :])
    assert len(index) == 37
    assert index.capacity == 64  # 2, 4, 8, ... doubled one row at a time
    assert np.allclose(index.vectors(range(37)), vectors, atol=1e-2)
    assert index.nbytes >= 64 * DIM * 2


def test_remove_swaps_last_row_in(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM, precision="float32")
    vectors = unit(rng, 6)
    index.add([10, 11, 12, 13, 14, 15], vectors)
    assert index.remove([11, 99]) == 1  # unknown ids are ignored
    assert len(index) == 5 and 11 not in index and 15 in index
    assert index.ids.tolist() == [10, 15, 12, 13, 14]
    assert np.allclose(index.vectors([15, 14]), vectors[[5, 4]])
    for i, vector in zip([10, 12, 13, 14, 15], vectors[[0, 2, 3, 4, 5]], strict=True):
        assert index.search(vector, 1)[0][0] == i
    assert index.remove([10, 12, 13, 14, 15]) == 5
    assert len(index) == 0 and index.search(vectors[0], 3) == []


def test_remove_then_add_and_replace(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM, precision="float32")
    old, new = unit(rng, 2)
    index.add([1, 2], np.vstack([old, unit(rng, 1)]))
    index.remove([1])
    index.add([1], new)
    assert index.search(new, 1)[0][0] == 1
    assert np.allclose(index.vectors([1])[0], new)
    index.add([1], old)  # same id again: replaced, not duplicated
    assert len(index) == 2
    assert np.allclose(index.vectors([1])[0], old)


def test_mean_follows_adds_replacements_and_removals(rng: np.random.Generator) -> None:
    index = VectorIndex(DIM, precision="float32")
    vectors = unit(rng, 4)
    index.add([1, 2, 3], vectors[:3])
    index.add([2], vectors[3])
    index.remove([1])
    assert np.allclose(index.mean(), vectors[[3, 2]].mean(axis=0), atol=1e-6)


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        ([1], np.ones((1, DIM + 1)), "dimension"),
        ([1, 1], np.ones((2, DIM)), "duplicate"),
        ([1], np.zeros((1, DIM)), "zero"),
        ([1], np.full((1, DIM), np.nan), "finite"),
    ],
)
def test_bad_input_is_refused(ids: list[int], vectors: np.ndarray, message: str) -> None:
    index = VectorIndex(DIM)
    with pytest.raises(ValueError, match=message):
        index.add(ids, vectors)
    assert len(index) == 0


def test_int8_scan_stays_within_its_error_bound(rng: np.random.Generator, scan_with: str) -> None:
    """The bound is what makes the int8 shortlist exact; check it on every row."""
    vectors = unit(rng, 3000, 384) * 0.2 + unit(rng, 1, 384)
    index = VectorIndex(384, precision="int8x2")
    index.add(np.arange(3000), vectors)
    codec = index._codec
    stored = index.vectors(index.ids)
    for query in unit(rng, 20, 384):
        rough, bound = codec.scan(query, len(index))
        assert np.abs(rough - stored @ query).max() <= bound
        assert bound < 0.05  # and tight enough to shortlist at all


def test_int8_range_grows_for_vectors_far_from_the_first(rng: np.random.Generator) -> None:
    index = VectorIndex(384, precision="int8x2")
    centre = unit(rng, 1, 384)
    index.add([1], centre)  # a range fitted to a single vector
    far = unit(rng, 50, 384)  # unrelated directions, far outside that range
    index.add(np.arange(2, 52), far)
    stored = index.vectors(np.arange(2, 52))
    assert np.abs(stored - far).max() < 2e-4  # finer than float16 at these magnitudes
    assert np.abs(index.vectors([1]) - centre).max() < 2e-4
    for n, query in enumerate(far[:10], start=2):
        (best, score), *_ = index.search(query, 3)
        assert best == n and score == pytest.approx(1.0, abs=1e-3)
        assert [i for i, _ in index.search(query, 3)] == brute_force(index, query, 3, set())


# --- semantic cosines ---------------------------------------------------------------------


def test_semantic_cosines_center_on_the_corpus_mean() -> None:
    a = np.array([[1.0, 1.0, 0.0]], np.float32)
    b = np.array([[1.0, 0.0, 1.0]], np.float32)
    assert semantic_cosines(a, b)[0, 0] == pytest.approx(0.5)
    centered = semantic_cosines(a, b, mean=np.array([1.0, 0.0, 0.0], np.float32))
    assert centered[0, 0] == pytest.approx(0.0, abs=1e-6)
