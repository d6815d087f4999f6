"""Digest benchmark: clustering quality on real posts, and digest time and memory at scale.

1. Clustering quality. (a) Do a week's groups make sense to the CDO? The two municipal
   duplicate sets (bench/eval_sets, written blind) in weeks of 30 ideas drawn at random, 20
   weeks per half: "pair precision" is the share of pairs grouped together that share a theme,
   "clustered" the share of ideas in a group. The cut is the loosest whose pair precision on
   the DEV halves reaches 0.8 (matching.relevance's precision target); test halves reported.
   (b) The 3,139 cycling-dialogue posts (../shared/data/cycling-dialogues,
   Romberg & Escher 2022, CC BY 4.0 / CC BY-SA 4.0, see SOURCE.md there) are embedded with
   the project's model; candidate methods are compared by NMI against the level-1 categories
   (unclustered posts count as one group, as the digest shows them). Every parameter is
   picked on the DEV half of `bench/quality.split_halves` and reported on the TEST half.
   "coverage" is the share of posts in a cluster of two or more.
2. Digest at scale: a real SQLite store with 1k and 10k ideas (the posts, departments and
   opted-in people; above 3,139 ideas the posts repeat with their vectors perturbed - a
   timing load, not a quality measure), then the whole digest (read, cluster, name,
   duplicates, introductions, map, Markdown + HTML with the PNG + JSON) timed, with peak
   memory (tracemalloc: Python and numpy allocations of the digest) and the process's max
   RSS. Target: 10k ideas in at most 30 s on 2 cores.

Vectors of the posts are cached in $IDEENLOTSE_DATA_DIR/bench-cache (default ./data).
Prints a table, then one JSON object as the last line.
Run: .venv/bin/python bench/digest.py   (about 2 minutes with cached vectors)
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lexical_baseline import lsa_topics  # noqa: E402
from quality import shared_data_dir, split_halves  # noqa: E402
from relevance import cached_encoder  # noqa: E402
from relevance_data import duplicate_set, half_of  # noqa: E402

from matching import clustering  # noqa: E402
from matching.encoder import DEFAULT_MODEL  # noqa: E402
from matching.engine import PRIOR_WEIGHT, reference_ideas  # noqa: E402

TARGET_SECONDS_10K = 30.0
SIZES = (1000, 10000)
CITIES = {"B": "Bonn", "E": "Köln-Ehrenfeld", "M": "Moers"}


@dataclass(frozen=True)
class Posts:
    texts: list[str]
    level1: list[str]
    city: list[str]
    strata: list[str]


def load_posts() -> Posts:
    path = shared_data_dir() / "cycling-dialogues" / "dataset.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Posts(
        texts=[f"{row['title']}\n{row['text']}".strip() for row in rows],
        level1=[row["main_category_level1"] for row in rows],
        city=[CITIES.get(row["dataset"], row["dataset"]) for row in rows],
        strata=[row["dataset"] + row["main_category_level1"] for row in rows],
    )


def post_vectors(texts: list[str]) -> tuple[str, np.ndarray]:
    """The posts' e5 vectors, from the cache or encoded now (a few minutes on 2 threads)."""
    import torch

    from matching.encoder import load_encoder

    torch.set_num_threads(2)
    data_dir = Path(os.environ.get("IDEENLOTSE_DATA_DIR", ROOT / "data"))
    encoder = load_encoder(None, data_dir / "models")
    key = hashlib.sha256(("\x00".join(texts) + encoder.name).encode()).hexdigest()[:16]
    cache = data_dir / "bench-cache" / f"cycling-{encoder.name}-{key}.npy"
    if cache.exists():
        return encoder.name, np.load(cache)
    vectors = encoder.encode(texts, batch_size=64)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return encoder.name, vectors


# -- 1. clustering quality --------------------------------------------------------------------

WEEK, WEEKS = 30, 20
CUTS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)


def group_precision() -> dict[str, object]:
    """Pair precision and share clustered per cut, on weeks of the municipal sets; centred as
    the digest does (the week's mean drawn towards the reference ideas' mean)."""
    _, encode = cached_encoder(DEFAULT_MODEL)
    prior = encode(reference_ideas()).mean(axis=0)
    rng = np.random.default_rng(0)
    sets = [(it, encode([i.text for i in it])) for it in (duplicate_set("a"), duplicate_set("b"))]
    rows: dict[str, dict[str, float]] = {}
    for cut in CUTS:
        row: dict[str, float] = {}
        for half in ("dev", "test"):
            same = pairs = clustered = ideas = 0
            for items, vectors in sets:
                pool = [n for n, it in enumerate(items) if half_of(it.group or it.id) == half]
                for _ in range(WEEKS):
                    week = rng.choice(pool, size=min(WEEK, len(pool)), replace=False)
                    v = vectors[week]
                    centre = (len(v) * v.mean(axis=0) + PRIOR_WEIGHT * prior) / (
                        len(v) + PRIOR_WEIGHT
                    )
                    labels = clustering.cluster_labels(
                        clustering.features(v, centre), threshold=cut
                    )
                    themes = [items[n].theme for n in week]
                    for a in range(len(week)):
                        for b in range(a + 1, len(week)):
                            if labels[a] >= 0 and labels[a] == labels[b]:
                                pairs += 1
                                same += themes[a] == themes[b]
                    clustered += int((labels >= 0).sum())
                    ideas += len(week)
            row[f"pair_precision_{half}"] = round(same / pairs, 3) if pairs else 0.0
            row[f"clustered_{half}"] = round(clustered / ideas, 3)
        rows[str(cut)] = row
    good = [c for c in CUTS if rows[str(c)]["pair_precision_dev"] >= 0.8]
    return {"by_cut": rows, "loosest_cut_reaching_0.8_on_dev": max(good) if good else None}


def nmi(truth: list[str], labels: np.ndarray) -> float:
    return float(normalized_mutual_info_score(truth, labels))


def coverage(labels: np.ndarray) -> float:
    return float((labels >= 0).mean())


Method = Callable[[np.ndarray, list[str], float], np.ndarray]


def with_topics(points: np.ndarray, texts: list[str], weight: float) -> np.ndarray:
    """Centred e5 and LSA topic vectors side by side: cosine = mix of both cosines."""
    topics = lsa_topics(texts)
    joined = np.hstack([np.sqrt(1 - weight) * points, np.sqrt(weight) * topics])
    return joined / np.linalg.norm(joined, axis=1, keepdims=True)


def candidates() -> dict[str, tuple[Method, list[float]]]:
    """Method name -> (labels from (raw vectors, texts, parameter), parameter grid)."""

    def agglo_centred(v: np.ndarray, _: list[str], t: float) -> np.ndarray:
        return clustering.drop_small(clustering.agglomerative_labels(clustering.features(v), t), 2)

    def agglo_raw(v: np.ndarray, _: list[str], t: float) -> np.ndarray:
        return clustering.drop_small(clustering.agglomerative_labels(v, t), 2)

    def agglo_topics(v: np.ndarray, texts: list[str], t: float) -> np.ndarray:
        points = with_topics(clustering.features(v), texts, 0.5)
        return clustering.drop_small(clustering.agglomerative_labels(points, t), 2)

    def hdbscan_centred(v: np.ndarray, _: list[str], m: float) -> np.ndarray:
        points = clustering.features(v)
        return clustering.drop_small(clustering.hdbscan_labels(points, int(m)), 2)

    def kmeans8(v: np.ndarray, _: list[str], k: float) -> np.ndarray:
        model = KMeans(n_clusters=int(k), n_init=4, random_state=0)
        return np.asarray(model.fit_predict(clustering.features(v)), dtype=np.int64)

    return {
        "agglomerative_cosine_centred_e5": (
            agglo_centred,
            [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        ),
        "agglomerative_cosine_raw_e5": (agglo_raw, [0.04, 0.06, 0.08, 0.1, 0.12, 0.14]),
        "agglomerative_cosine_centred_e5+lsa": (
            agglo_topics,
            [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        ),
        "hdbscan_centred_e5": (hdbscan_centred, [3, 5, 10, 20, 40]),
        "kmeans_k_known_(reference)": (kmeans8, [8]),
    }


def clustering_comparison(posts: Posts, vectors: np.ndarray) -> dict[str, object]:
    dev, test = split_halves(posts.strata)
    results: dict[str, object] = {}
    for name, (method, grid) in candidates().items():
        tried = []
        for parameter in grid:
            texts = [posts.texts[i] for i in dev]
            labels = method(vectors[dev], texts, parameter)
            tried.append((nmi([posts.level1[i] for i in dev], labels), parameter))
        best_dev, best = max(tried)
        texts = [posts.texts[i] for i in test]
        start = time.perf_counter()
        labels = method(vectors[test], texts, best)
        seconds = time.perf_counter() - start
        results[name] = {
            "parameter": best,
            "nmi_dev": round(best_dev, 4),
            "nmi_test": round(nmi([posts.level1[i] for i in test], labels), 4),
            "clusters_test": int(labels.max() + 1) if len(labels) else 0,
            "coverage_test": round(coverage(labels), 3),
            "seconds_test": round(seconds, 2),
            "grid_dev": {str(p): round(s, 4) for s, p in sorted(tried, key=lambda x: x[1])},
        }
    return results


# -- 2. digest at scale -----------------------------------------------------------------------


class CachedEncoder:
    """The model's name with stored vectors only: the digest must not encode ideas again."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim

    def encode(self, texts: object, *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        raise AssertionError("the digest benchmark stores every vector beforehand")


def seed_store(
    folder: Path, posts: Posts, vectors: np.ndarray, size: int, now: datetime, model: str
):
    from knowledge.open import open_store
    from knowledge.records import NewIdea
    from matching.vectors import to_blob

    store = open_store(folder)
    rng = np.random.default_rng(size)
    stamp = now.isoformat(timespec="seconds")
    departments = [f"FD {n}" for n in range(10, 70, 5)]
    with store.transaction():
        people = []
        for n in range(200):
            person = store.upsert_person(
                "import", f"p{n}", f"Person {n}", stamp, department=departments[n % 12]
            )
            if n % 3:
                store.set_matching(person.id, True, stamp)
            people.append(person)
        for n in range(size):
            row = n % len(posts.texts)
            vector = vectors[row]
            if n >= len(posts.texts):  # a repeat: perturbed so it is no exact duplicate
                vector = vector + rng.normal(0, 0.02, vector.shape).astype(np.float32)
                vector /= np.linalg.norm(vector)
            age = timedelta(days=float(rng.uniform(0, 28)))
            idea = store.add_idea(
                NewIdea(
                    posts.texts[row],
                    people[n % 200].id,
                    department=departments[n % 12],
                    created_at=(now - age).isoformat(timespec="seconds"),
                ),
                stamp,
            )
            store.set_embedding(idea.id, to_blob(vector), model)  # the model that made them
    return store


def time_digest(posts: Posts, vectors: np.ndarray, name: str, size: int) -> dict[str, object]:
    from bot.config import Settings
    from bot.digest_build import build_digest
    from bot.digest_render import render_html, render_json, render_markdown
    from bot.i18n import Translator

    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = seed_store(Path(tmp), posts, vectors, size, now, name)
        settings = Settings(data_dir=Path(tmp))
        encoder = CachedEncoder(name, vectors.shape[1])
        tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        digest = build_digest(store, settings, now, encoder=encoder, centre=vectors.mean(axis=0))
        built = time.perf_counter() - start
        t = Translator("de")
        html = render_html(digest, t)
        markdown = render_markdown(digest, t)
        data = render_json(digest)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        store.close()
    return {
        "ideas": size,
        "ideas_in_digest": len(digest.map_points),
        "seconds": round(seconds, 2),
        "seconds_build": round(built, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "peak_traced_mb": round(peak / 2**20, 1),
        "clusters": len(data["clusters"]),
        "duplicates": len(data["duplicates"]),
        "projection": digest.projection,
        "html_kb": round(len(html.encode()) / 1024, 1),
        "markdown_kb": round(len(markdown.encode()) / 1024, 1),
    }


def main() -> int:
    posts = load_posts()
    name, vectors = post_vectors(posts.texts)
    quality = clustering_comparison(posts, vectors)
    groups = group_precision()
    chosen = "agglomerative_cosine_centred_e5"
    scale = {str(size): time_digest(posts, vectors, name, size) for size in SIZES}
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    met = float(scale["10000"]["seconds"]) <= TARGET_SECONDS_10K  # type: ignore[arg-type]
    print(f"{'method':<40}{'param':>8}{'NMI dev':>9}{'NMI test':>9}{'clusters':>9}{'cover':>7}")
    for method, figures in quality.items():
        assert isinstance(figures, dict)
        print(
            f"{method:<40}{figures['parameter']:>8}{figures['nmi_dev']:>9.3f}"
            f"{figures['nmi_test']:>9.3f}{figures['clusters_test']:>9}{figures['coverage_test']:>7}"
        )
    for cut, figures in groups["by_cut"].items():  # type: ignore[attr-defined]
        print(f"municipal weeks, cut {cut}: {figures}")
    for size, figures in scale.items():
        print(f"digest of {size} ideas: {figures}")
    result = {
        "municipal_groups": groups,
        "clustering_nmi_level1": quality,
        "chosen": {"method": chosen, "threshold": clustering.THRESHOLD},
        "digest": scale,
        "max_rss_mb": round(max_rss_mb, 1),
        "target_seconds_10k": TARGET_SECONDS_10K,
        "met": met,
        "cpu_threads": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
