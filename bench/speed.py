"""Speed benchmark: encoding latency and throughput, search latency, index memory.

What a chat user waits for is one short message encoded plus one search over all ideas, so:
- encode: one short chat message at a time (p50/p95 over ENCODE_RUNS runs, after warm-up;
  the bot's path, OpenVINO (`matching.graph_runtime`), beside the TorchScript trace it
  replaced, the light model of the console and one-shot commands (`matching.light`, numpy)
  and sentence-transformers' own encode),
  and bulk throughput (sentences/s) for imports, with the project's default encoder
  (multilingual-e5-small via sentence-transformers), torch on 2 threads;
- search: top-10 cosine over 1k, 10k and 100k random unit vectors of dimension 384 for
  `VectorIndex` (two int8 levels, see `matching.similarity`), the same index storing float16
  (the previous design), a brute-force numpy float32 baseline (M @ q, then argsort) and
  sqlite-vec (vec0 virtual table, in-memory, via apsw because this Python's sqlite3 cannot load
  extensions), all in the same run;
- the duplicate margin (`IdeaEngine.same_idea`) on a new idea, at worst, at the same sizes;
- memory of the index at 100k: bytes of its arrays and the growth of resident memory
  (VmRSS in /proc/self/status) while it is built.
Timings on a shared 2-core machine are noisy; p95 shows how noisy. Prints a table, then one
JSON line with all figures (the last line). Run: .venv/bin/python bench/speed.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from matching.engine import IdeaEngine
from matching.relevance import Thresholds
from matching.similarity import VectorIndex

ROOT = Path(__file__).resolve().parents[1]
DIM = 384
K = 10
SIZES = (1_000, 10_000, 100_000)
ENCODE_RUNS = 60
SEARCH_RUNS = 100
TARGETS = {"encode_p50_ms": 30.0, "search_p50_ms_100k": 5.0, "index_mb_100k": 80.0}
MESSAGES = [
    "Können wir Rechnungen digital freigeben?",
    "Idee: Termine im Bürgerbüro online buchen",
    "Wer ist für die E-Akte zuständig?",
    "WLAN in den Sitzungsräumen ist zu langsam",
    "Open Data Portal für Haushaltsdaten",
]
SUBJECTS = ["Die Stadtverwaltung", "Das Bürgerbüro", "Jedes Amt", "Die IT-Abteilung"]
ACTIONS = [
    "sollte Anträge vollständig digital annehmen und ohne Papier bearbeiten",
    "könnte Termine online vergeben, damit niemand lange warten muss",
    "braucht eine gemeinsame Plattform für Ideen und Erfahrungen",
    "sollte Daten offen und maschinenlesbar im Internet veröffentlichen",
]


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1e3
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95))}


def timed(call: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def encoding_figures() -> dict[str, object]:
    from matching.encoder import load_encoder

    data_dir = Path(os.environ.get("IDEENLOTSE_DATA_DIR", ROOT / "data"))
    encoder = load_encoder(None, data_dir / "models")

    def eager(texts: list[str]) -> object:  # the baseline: sentence-transformers' own encode
        return encoder.model.encode(
            texts, prompt=encoder.prefix, convert_to_numpy=True, normalize_embeddings=True
        )

    from matching.graph_runtime import ensure_graph, load_graph
    from matching.light import LightEncoder

    light = LightEncoder(encoder.info, encoder.prefix)  # the console's and one-shot path
    ensure_graph(Path(encoder.info.path))
    onnx = load_graph(encoder.info, encoder.prefix)  # imports and the bot's messages
    if onnx is None:
        raise SystemExit("the ONNX graph did not pass its check; see onnx.json in the model")
    # interleaved, each message through every path, so host noise hits all alike
    calls = {"traced": encoder.encode, "eager": eager, "light": light.encode, "onnx": onnx.encode}
    paths: dict[str, list[float]] = {name: [] for name in calls}
    for run in range(ENCODE_RUNS + 3):
        text = [MESSAGES[run % len(MESSAGES)]]
        turn = run % len(paths)
        for name in list(paths)[turn:] + list(paths)[:turn]:
            start = time.perf_counter()
            calls[name](text)
            if run >= 3:  # warm-up
                paths[name].append(time.perf_counter() - start)
    ideas = [f"{s} {a}. {m}" for m in MESSAGES for s in SUBJECTS for a in ACTIONS] * 2
    start = time.perf_counter()
    for begin in tqdm(range(0, len(ideas), 32), desc="bulk encode", unit="batch", leave=False):
        encoder.encode(ideas[begin : begin + 32], batch_size=32)
    elapsed = time.perf_counter() - start
    return {
        "encoder": f"{encoder.name}; one message as the bot encodes it: OpenVINO",
        "encode_ms": percentiles(paths["onnx"]) | {"runs": ENCODE_RUNS},
        "encode_traced_ms": percentiles(paths["traced"]),
        "encode_eager_ms": percentiles(paths["eager"]),
        "encode_light_ms": percentiles(paths["light"]),
        "bulk": {"sentences": len(ideas), "sentences_per_s": len(ideas) / elapsed},
    }


def unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIM), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def sqlite_vec_search(data: np.ndarray) -> Callable[[np.ndarray], list[tuple[int, float]]]:
    import apsw
    import sqlite_vec

    db = apsw.Connection(":memory:")
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    db.enable_load_extension(False)
    column = f"embedding float[{DIM}] distance_metric=cosine"
    db.execute(f"CREATE VIRTUAL TABLE ideas USING vec0({column})")
    with db:
        db.executemany(
            "INSERT INTO ideas(rowid, embedding) VALUES (?, ?)",
            ((i, row.tobytes()) for i, row in enumerate(data)),
        )
    sql = "SELECT rowid, distance FROM ideas WHERE embedding MATCH ? AND k = ? ORDER BY distance"

    def search(query: np.ndarray) -> list[tuple[int, float]]:
        return [(int(i), 1.0 - float(d)) for i, d in db.execute(sql, (query.tobytes(), K))]

    return search


def search_figures(size: int, rng: np.random.Generator) -> dict[str, object]:
    data = unit_rows(rng, size)
    queries = unit_rows(rng, SEARCH_RUNS)
    before = rss_bytes()
    index = VectorIndex(DIM)
    index.add(np.arange(size), data)
    grown = rss_bytes() - before
    half = VectorIndex(DIM, precision="float16")
    half.add(np.arange(size), data)
    turn = iter(range(10**9))

    def next_query() -> np.ndarray:
        return queries[next(turn) % SEARCH_RUNS]

    def numpy_search() -> np.ndarray:
        return np.argsort(-(data @ next_query()))[:K]

    sqlite_search = sqlite_vec_search(data)
    figures: dict[str, object] = {
        "vector_index_ms": percentiles(timed(lambda: index.search(next_query(), K), SEARCH_RUNS)),
        "float16_index_ms": percentiles(timed(lambda: half.search(next_query(), K), SEARCH_RUNS)),
        "numpy_f32_ms": percentiles(timed(numpy_search, SEARCH_RUNS)),
        "sqlite_vec_ms": percentiles(timed(lambda: sqlite_search(next_query()), SEARCH_RUNS)),
    }
    agree = [
        len({i for i, _ in index.search(q, K)} & set(np.argsort(-(data @ q))[:K].tolist())) / K
        for q in queries
    ]
    figures["top10_agreement_vs_f32"] = float(np.mean(agree))
    figures["same_idea_ms"] = same_idea_figures(data, queries, rng)
    if size == max(SIZES):
        figures["memory"] = {
            "index_bytes": index.nbytes,
            "index_rss_growth_bytes": grown,
            "float32_bytes": int(data.nbytes),
        }
    return figures


def same_idea_figures(
    data: np.ndarray, queries: np.ndarray, rng: np.random.Generator
) -> dict[str, float]:
    """What the duplicate margin adds to a new idea's intake (``IdeaEngine.same_idea``): at
    worst, all of the closest few reach the cosine threshold and each is asked for its
    neighbours (the thresholds here let every one through)."""
    engine = IdeaEngine(DIM, unit_rows(rng, 42))  # 42 reference ideas, as shipped
    engine.add(np.arange(len(data)), data)
    every = Thresholds(-1.0, 0, 0, 0, 0, 0, duplicate_margin=-4.0)
    nearest = [engine.query(q, k=20) for q in queries]
    turn = iter(range(10**9))

    def same_idea() -> object:
        n = next(turn) % SEARCH_RUNS
        return engine.same_idea(queries[n], nearest[n], every)

    return percentiles(timed(same_idea, SEARCH_RUNS))


def table(result: dict[str, object]) -> str:
    lines = [f"encoder: {result['encoder']} (torch threads: 2)"]
    enc = result["encode_ms"]
    bulk = result["bulk"]
    assert isinstance(enc, dict) and isinstance(bulk, dict)
    lines.append(f"encode one message   p50 {enc['p50']:7.2f} ms   p95 {enc['p95']:7.2f} ms")
    for key, name in (
        ("encode_traced_ms", "TorchScript trace (before)"),
        ("encode_eager_ms", "sentence-transformers' encode"),
        ("encode_light_ms", "light model (numpy)"),
    ):
        other = result[key]
        assert isinstance(other, dict)
        lines.append(
            f"  {name + ':':<31}p50 {other['p50']:7.2f} ms   p95 {other['p95']:7.2f} ms"
            f"   ({other['p50'] / enc['p50']:.2f}x the bot's path)"
        )
    lines.append(f"bulk encode          {bulk['sentences_per_s']:7.1f} sentences/s")
    header = ("VectorIndex", "float16 index", "numpy f32", "sqlite-vec")
    lines.append(f"{'search top-10':<14}" + "".join(f"{name:>22}" for name in header))
    searches = result["search"]
    assert isinstance(searches, dict)
    for size, figures in searches.items():
        cells = "".join(
            f"{figures[key]['p50']:>10.2f}/{figures[key]['p95']:<8.2f}ms"
            for key in ("vector_index_ms", "float16_index_ms", "numpy_f32_ms", "sqlite_vec_ms")
        )
        lines.append(f"{int(size):>8} ideas {cells}  (p50/p95)")
    for size, figures in searches.items():
        same, one = figures["same_idea_ms"], figures["vector_index_ms"]
        lines.append(
            f"the duplicate margin at {int(size):>6} ideas: p50 {same['p50']:.2f} ms, p95 "
            f"{same['p95']:.2f} ms ({same['p50'] / one['p50']:.1f}x one search)"
        )
    memory = result["memory_100k"]
    assert isinstance(memory, dict)
    lines.append(
        f"index at 100k: arrays {memory['index_bytes'] / 1e6:.1f} MB, RSS growth "
        f"{memory['index_rss_growth_bytes'] / 1e6:.1f} MB (float32 would be "
        f"{memory['float32_bytes'] / 1e6:.1f} MB)"
    )
    lines.append(f"targets met: {result['met_by_target']}")
    return "\n".join(lines)


def main() -> int:
    import torch

    torch.set_num_threads(2)
    result: dict[str, object] = dict(encoding_figures())
    rng = np.random.default_rng(20261127)
    searches = {str(size): search_figures(size, rng) for size in tqdm(SIZES, desc="search")}
    memory = searches[str(max(SIZES))].pop("memory")
    assert isinstance(memory, dict)
    result["search"] = searches
    result["memory_100k"] = memory
    encode = result["encode_ms"]
    largest = searches[str(max(SIZES))]["vector_index_ms"]
    assert isinstance(encode, dict) and isinstance(largest, dict)
    met = {
        "encode_p50_ms": encode["p50"] <= TARGETS["encode_p50_ms"],
        "search_p50_ms_100k": largest["p50"] <= TARGETS["search_p50_ms_100k"],
        "index_mb_100k": memory["index_bytes"] / 1e6 <= TARGETS["index_mb_100k"],
    }
    biggest = searches[str(max(SIZES))]
    result["speedup_100k"] = {  # p50 of each baseline over VectorIndex's p50, same run
        name: biggest[key]["p50"] / largest["p50"]  # type: ignore[index]
        for name, key in (
            ("float16_index", "float16_index_ms"),
            ("numpy_f32", "numpy_f32_ms"),
            ("sqlite_vec", "sqlite_vec_ms"),
        )
    }
    result |= {"targets": TARGETS, "met_by_target": met, "met": all(met.values())}
    print(table(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
