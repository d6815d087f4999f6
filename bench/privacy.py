"""What an erasure costs: the chat-side transaction and the scrub of the database file.

A store with ``--ideas`` ideas (384-dim vectors, like the real model's) by ``--people``
authors. Measured: ``!vergiss-mich bestätigen`` for one author (the erasure transaction,
which the person waits for), and the scrub that follows within one scheduler cycle (FTS
merge + VACUUM + WAL truncation; it blocks the store meanwhile). Baselines from the same run
and the same file: posting one idea (a normal chat transaction) and copying the database file
(what any full rewrite costs at least). The last line is one JSON object.

    python bench/privacy.py --ideas 20000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from knowledge.db import DB_FILENAME
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store

NOW = "2026-11-23T09:00:00+00:00"
WORDS = ["Akte", "Rechnung", "Antrag", "Portal", "Termin", "Daten", "WLAN", "Schule", "Kita"]


def build(folder: Path, ideas: int, people: int, seed: int = 7) -> Store:
    store = open_store(folder)
    rng = np.random.default_rng(seed)
    with store.transaction():
        ids = [
            store.upsert_person("matrix", f"@person{p}:stadt.example", f"Person {p}", NOW).id
            for p in range(people)
        ]
        for n in range(ideas):
            words = " ".join(rng.choice(WORDS, size=12))
            idea = store.add_idea(NewIdea(f"Idee {n}: {words}", ids[n % people]), NOW)
            vector = rng.standard_normal(384).astype(np.float32)
            store.set_embedding(idea.id, (vector / np.linalg.norm(vector)).tobytes(), "bench")
            store.audit("idea.created", NOW, actor_id=ids[n % people], subject_id=idea.id)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    try:
        store = build(folder, args.ideas, args.people)
        db = folder / DB_FILENAME
        size_mb = db.stat().st_size / 1e6
        post, copy, erase, scrub = [], [], [], []
        for r in range(args.repeat):
            author = store.find_person("matrix", f"@person{r}:stadt.example")
            assert author is not None

            def one_idea(author_id: int = author.id, n: int = r) -> None:
                with store.transaction():
                    store.add_idea(NewIdea(f"Neue Idee {n}", author_id), NOW)
                    store.audit("idea.created", NOW, actor_id=author_id)

            def erasure(person_id: int = author.id) -> None:
                with store.transaction():
                    store.erase_person(person_id, NOW)

            post.append(timed(one_idea))
            copy.append(timed(lambda: shutil.copyfile(db, folder / "copy.db")))
            erase.append(timed(erasure))
            scrub.append(timed(lambda: store.scrub(NOW)))
        store.close()
        med = statistics.median
        result = {
            "ideas": args.ideas,
            "people": args.people,
            "db_mb": round(size_mb, 1),
            "ideas_per_person": args.ideas // args.people,
            "post_idea_ms": round(med(post) * 1000, 2),
            "erase_person_ms": round(med(erase) * 1000, 2),
            "erase_vs_post": round(med(erase) / med(post), 1),
            "file_copy_s": round(med(copy), 3),
            "scrub_s": round(med(scrub), 3),
            "scrub_vs_copy": round(med(scrub) / med(copy), 1),
        }
        print(json.dumps(result))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
