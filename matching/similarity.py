"""Similarity of ideas: embedding cosines and an exact in-memory vector index.

Cosines. `semantic_cosines` gives both scores `matching.engine` ranks by: the plain e5 cosine
("duplicate") and the cosine after removing the corpus centre ("related"); why these two and
not a fusion with lexical or topic signals is told in `matching.relevance`.

VectorIndex. Brute-force exact top-k in memory. At 100k x 384 a search is bound by the bytes it
reads, so the storage was chosen by what a scan must read under the 80 MB budget:
    float32   153.6 MB  over budget
    float16    76.8 MB  scan reads 76.8 MB (torch matvec)
    int8x2     76.8 MB  scan reads 38.4 MB (one int8 level, integer matmul), the default
`bench/speed.py` times int8x2 against float16 in the same run. Either way the scan only
shortlists: every row that could reach the top k given the scan's error bound is re-scored from
the full stored value, so results equal an exact float32 search over the stored vectors. The
second int8 level makes the stored values finer than float16 (step / 508 per component).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Sequence
from typing import Literal, Protocol

import numpy as np

Precision = Literal["int8x2", "float16", "float32"]
STORAGE: Precision = "int8x2"
# Rows the scan shortlists before re-scoring; enough that one top-k pass usually settles it
# (each further pass is another top-k over all rows, 0.3 ms at 100k; re-scoring 256 is less).
FIRST_SHORTLIST = 256
SHORTLIST = 200  # VectorIndex candidates to re-rank; cycling dev P@5 0.428 as for all (e5)


def semantic_cosines(a: np.ndarray, b: np.ndarray, *, mean: np.ndarray | None = None) -> np.ndarray:
    """Cosines of embedding rows, optionally after removing a corpus mean embedding."""
    a = np.atleast_2d(np.asarray(a, dtype=np.float32))
    b = np.atleast_2d(np.asarray(b, dtype=np.float32))
    if mean is not None:
        a, b = a - mean, b - mean
    a, b = _unit_rows(a), _unit_rows(b)
    return a @ b.T


class _Codec(Protocol):
    """How VectorIndex stores rows: arrays of equal length, written, read back, scanned."""

    def arrays(self) -> list[np.ndarray]: ...
    def replace_arrays(self, arrays: list[np.ndarray]) -> None: ...
    def put(self, rows: np.ndarray, matrix: np.ndarray, live: int) -> None: ...
    def get(self, rows: np.ndarray | slice) -> np.ndarray: ...
    def scan(self, q: np.ndarray, live: int) -> tuple[np.ndarray, float]:
        """Rough scores of the first ``live`` rows, and a bound on their error."""
        ...


class _Float32:
    """Rows as they are: exact, twice the memory of the others; the reference in tests."""

    def __init__(self, dim: int, capacity: int) -> None:
        self.rows = np.zeros((capacity, dim), dtype=np.float32)

    def arrays(self) -> list[np.ndarray]:
        return [self.rows]

    def replace_arrays(self, arrays: list[np.ndarray]) -> None:
        (self.rows,) = arrays

    def put(self, rows: np.ndarray, matrix: np.ndarray, live: int) -> None:
        self.rows[rows] = matrix

    def get(self, rows: np.ndarray | slice) -> np.ndarray:
        return np.asarray(self.rows[rows], dtype=np.float32)

    def scan(self, q: np.ndarray, live: int) -> tuple[np.ndarray, float]:
        return np.asarray(self.rows[:live] @ q, dtype=np.float32), 1e-5


class _Float16(_Float32):
    """Half precision, scanned by torch (numpy's own float16 matvec is 30x slower)."""

    def __init__(self, dim: int, capacity: int) -> None:
        self.rows = np.zeros((capacity, dim), dtype=np.float16)

    def put(self, rows: np.ndarray, matrix: np.ndarray, live: int) -> None:
        self.rows[rows] = matrix.astype(np.float16)

    def scan(self, q: np.ndarray, live: int) -> tuple[np.ndarray, float]:
        if not _torch_loaded():
            return super().scan(q, live)[0].astype(np.float32), 2.0**-12 + 2.0**-11 + 1e-5
        import torch

        matrix, vector = torch.from_numpy(self.rows[:live]), torch.from_numpy(q).to(torch.float16)
        with torch.no_grad():
            scores = torch.mv(matrix, vector).to(torch.float32).numpy()
        # rounding the query (half an ulp at 1 per component, at most that in sum) and the
        # output (half an ulp at up to 1.0+), plus slack for float32 accumulation
        return scores, 2.0**-12 + 2.0**-11 + 1e-5


class _Int8x2:
    """Two int8 levels around a centre: half the bytes of float16 to scan, finer to re-score.

    A row is stored as ``centre + step * (coarse + fine / 254)`` per dimension. The search scans
    only ``coarse`` (1 byte per component, exact integer arithmetic via ``torch._int_mm``), so it
    reads half the memory of a float16 scan, which is what a scan at 100k ideas is bound by.
    The error of that scan is bounded per query (see ``scan``); the shortlist is re-scored with
    both levels, whose rounding (step / 508 per component) is finer than float16's.
    The centre is the mean of the first vectors added; the step grows (and every row is
    re-encoded once) when a vector falls outside the range, so any unit vector fits.
    """

    HEADROOM = 1.5  # range kept beyond the largest deviation seen, so re-encoding stays rare
    MIN_RANGE = 0.05  # per component; an index started with one vector still gets a range

    def __init__(self, dim: int, capacity: int) -> None:
        self.coarse = np.zeros((capacity, dim), dtype=np.int8)
        self.fine = np.zeros((capacity, dim), dtype=np.int8)
        self.centre: np.ndarray | None = None
        self.step = np.full(dim, self.MIN_RANGE / 127, dtype=np.float32)
        self.max_l1 = 0  # upper bound of sum(|coarse|) over stored rows, for the scan's bound

    def arrays(self) -> list[np.ndarray]:
        return [self.coarse, self.fine]

    def replace_arrays(self, arrays: list[np.ndarray]) -> None:
        self.coarse, self.fine = arrays

    def put(self, rows: np.ndarray, matrix: np.ndarray, live: int) -> None:
        if self.centre is None:
            self.centre = matrix.mean(axis=0).astype(np.float32)
        deviation = np.abs(matrix - self.centre).max(axis=0)
        if (deviation > 127 * self.step).any():
            wider = np.maximum(self.step, deviation * self.HEADROOM / 127).astype(np.float32)
            existing = self.get(slice(0, live))
            self.step, self.max_l1 = wider, 0
            self._encode(np.arange(live), existing)
        self._encode(rows, matrix)

    def _encode(self, rows: np.ndarray, matrix: np.ndarray) -> None:
        assert self.centre is not None
        scaled = (matrix - self.centre) / self.step
        coarse = np.clip(np.rint(scaled), -127, 127)
        fine = np.clip(np.rint((scaled - coarse) * 254), -127, 127)
        self.coarse[rows] = coarse.astype(np.int8)
        self.fine[rows] = fine.astype(np.int8)
        if len(coarse):
            self.max_l1 = max(self.max_l1, int(np.abs(coarse).sum(axis=1).max()))

    def get(self, rows: np.ndarray | slice) -> np.ndarray:
        if self.centre is None:
            return np.zeros((0, self.coarse.shape[1]), dtype=np.float32)
        levels = self.coarse[rows].astype(np.float32) + self.fine[rows].astype(np.float32) / 254
        return np.asarray(self.centre + levels * self.step, dtype=np.float32)

    def scan(self, q: np.ndarray, live: int) -> tuple[np.ndarray, float]:
        """Scores within the returned bound of ``q @ get(row)`` for every live row.

        With w = q * step rounded to int8 as wq * unit: score - rough
        = sum((w - unit*wq) * coarse) + sum(w * fine / 254), so
        |score - rough| <= unit/2 * max_l1 + sum(|w|) / 2 (|fine| <= 127).
        """
        assert self.centre is not None
        w = q * self.step
        unit = max(float(np.abs(w).max()) / 127, 1e-30)
        wq = np.rint(w / unit).astype(np.int8)
        offset = float(q @ self.centre)
        if _torch_loaded():
            import torch

            # _int_mm wants at least 8 columns; the query goes in the first
            columns = torch.zeros((q.shape[0], 8), dtype=torch.int8)
            columns[:, 0] = torch.from_numpy(wq)
            with torch.no_grad():
                dots = torch._int_mm(torch.from_numpy(self.coarse[:live]), columns)[:, 0]
                rough = dots.to(torch.float32).mul_(unit).add_(offset).numpy()
        else:  # the same integer sums, slower on many rows but without loading torch
            dots = self.coarse[:live].astype(np.int32) @ wq.astype(np.int32)
            rough = (dots.astype(np.float32) * np.float32(unit) + np.float32(offset)).astype(
                np.float32
            )
        bound = unit / 2 * self.max_l1 + float(np.abs(w).sum()) / 2
        return rough, bound + 1e-5


_CODECS: dict[str, Callable[[int, int], _Codec]] = {
    "int8x2": _Int8x2,
    "float16": _Float16,
    "float32": _Float32,
}


class VectorIndex:
    """Unit vectors keyed by int ids; exact top-k cosine search by brute force.

    Rows live in preallocated arrays that double when full (amortised O(1) insert); removal
    moves the last row into the hole. Results equal an exact float32 search over the stored
    vectors: the scan may be rough, but only shortlists. Not thread-safe: guard it with a lock
    or use it from one thread.
    """

    def __init__(self, dim: int, *, precision: Precision = STORAGE, capacity: int = 1024) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        if precision not in _CODECS:
            raise ValueError(f"unknown precision {precision!r}")
        self.dim = dim
        self.precision: Precision = precision
        self._codec = _CODECS[precision](dim, max(capacity, 1))
        self._ids = np.zeros(max(capacity, 1), dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._sum = np.zeros(dim, dtype=np.float64)  # of stored vectors, for mean()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, item: object) -> bool:
        return item in self._rows

    @property
    def capacity(self) -> int:
        return int(self._ids.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (capacity included), not counting the id -> row dict."""
        stored = sum(array.nbytes for array in self._codec.arrays())
        return int(stored + self._ids.nbytes + self._sum.nbytes)

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
        if not keys:
            return
        self._reserve(len(self) + sum(1 for key in keys if key not in self._rows))
        rows = np.empty(len(keys), dtype=np.intp)
        replaced = np.zeros(len(keys), dtype=bool)
        for j, key in enumerate(keys):
            row = self._rows.get(key)
            if row is not None:
                replaced[j] = True
            rows[j] = len(self._rows) if row is None else row
            if row is None:
                self._rows[key] = int(rows[j])
                self._ids[rows[j]] = key
        if replaced.any():
            self._sum -= self._codec.get(rows[replaced]).sum(axis=0, dtype=np.float64)
        self._codec.put(rows, matrix / norms, len(self._rows))
        self._sum += self._codec.get(rows).sum(axis=0, dtype=np.float64)

    def remove(self, ids: Collection[int]) -> int:
        """Drop ids (unknown ones are ignored); returns how many were removed."""
        removed = 0
        for key in ids:
            row = self._rows.pop(int(key), None)
            if row is None:
                continue
            self._sum -= self._codec.get(np.array([row]))[0]
            last = len(self._rows)  # the old last row, now outside the live range
            if row != last:
                for array in self._codec.arrays():
                    array[row] = array[last]
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
        return self._codec.get(rows)

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
        rough, error = self._codec.scan(q, n)
        excluded = [row for row in (self._rows.get(int(key)) for key in exclude) if row is not None]
        rough[excluded] = -np.inf
        live = n - len(set(excluded))
        if live == 0:
            return []
        verdicts: dict[int, bool] = {}
        m = min(live, max(2 * k + 16, FIRST_SHORTLIST))
        while True:
            unseen_best = -np.inf
            if m < live:  # the m best by the scan, and the best score left outside them
                rows, unseen_best = _top(rough, m)
            else:
                rows = np.flatnonzero(rough > -np.inf)
            exact = self._codec.get(rows) @ q
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
        n = len(self)
        grown = []
        for array in [*self._codec.arrays(), self._ids]:
            bigger = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            bigger[:n] = array[:n]
            grown.append(bigger)
        *stored, self._ids = grown
        self._codec.replace_arrays(stored)


def _top(scores: np.ndarray, m: int) -> tuple[np.ndarray, float]:
    """Rows of the ``m`` best scores (any order) and the best score outside them.

    torch's top-k makes one pass without copying and is several times faster than numpy's
    argpartition on 100k scores; it runs on every search of the bot.
    """
    if not _torch_loaded():
        order = np.argpartition(-scores, m)[: m + 1]
        order = order[np.argsort(-scores[order], kind="stable")]
        return order[:m], float(scores[order[m]])
    import torch

    values, rows = torch.topk(torch.from_numpy(scores), m + 1, sorted=True)
    return rows[:m].numpy(), float(values[m])


def _torch_loaded() -> bool:
    """Whether torch is imported already: the bot's process, where the full model lives.

    A one-shot command through the light model (``matching.light``) has no torch; importing
    it for one scan would cost a second, so numpy scans there (exact the same way, slower on
    hundreds of thousands of rows, which such a command does not search often)."""
    return "torch" in sys.modules


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
