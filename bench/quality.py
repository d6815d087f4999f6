"""The evaluation data the benchmarks share: STS-B de, the cycling dialogues and their halves.

`bench/relevance.py`, `bench/digest.py`, `bench/scale.py` and `bench/stsb_ceiling.py` load
their data here, so every benchmark reads the same files and splits the cycling posts into the
same DEV and TEST halves (`split_halves`, stratified by city and level-1 category, seeded).
This file once also benchmarked the earlier fused scorer (e5 with TF-IDF and LSA topics).
That scorer is gone; `bench/relevance.py` measures the scores that replaced it (raw e5 cosine
for duplicates, cosine after removing the corpus centre for related ideas) beside TF-IDF on
the same STS-B files and cycling halves, so only the loaders remain.

Data (in ../shared/data, or $IDEENLOTSE_SHARED_DATA):
- stsb-de: STS benchmark, German machine translation by Philip May (stsb-multi-mt, commit
  30de0de); scores CC BY-SA 4.0, texts under the licences of the original STS sources.
- cycling-dialogues: "Cycling Dialogues" corpus of the CIMT project, Romberg & Escher (2022),
  "Automated Topic Categorisation of Citizens' Contributions", EGOV 2022, LNCS, pp. 369-385;
  from alimoayedi/egov-2022 (commit f151b86). Annotations CC BY-SA 4.0; posts CC BY 4.0 by
  the citizens of the online participations of Bonn (raddialog.bonn.de), Köln-Ehrenfeld and
  Moers, attributed by the URL column of dataset.csv (see TERMS-OF-USE-*.txt there).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SEED = 20261127
K = 5
Encode = Callable[[Sequence[str], str], np.ndarray]  # (texts, progress label) -> unit rows


def shared_data_dir() -> Path:
    configured = os.environ.get("IDEENLOTSE_SHARED_DATA")
    return Path(configured) if configured else ROOT.parent / "shared" / "data"


def load_stsb(split: str) -> tuple[list[str], list[str], np.ndarray]:
    path = shared_data_dir() / "stsb-de" / f"stsb-de-{split}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    gold = np.array([float(row[2]) for row in rows])
    return [row[0] for row in rows], [row[1] for row in rows], gold


@dataclass(frozen=True)
class Posts:
    texts: list[str]  # title and text, as a staff member's idea would read
    labels: np.ndarray  # bool (posts, level-2 topics)
    strata: list[str]  # city + level-1 category, for the split


def load_cycling() -> Posts:
    path = shared_data_dir() / "cycling-dialogues" / "dataset.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    topics = [name for name in rows[0] if name.startswith("level2_")]
    return Posts(
        texts=[f"{row['title']}\n{row['text']}".strip() for row in rows],
        labels=np.array([[row[t] == "1" for t in topics] for row in rows], dtype=bool),
        strata=[row["dataset"] + row["main_category_level1"] for row in rows],
    )


def split_halves(strata: Sequence[str], seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(dev, test) row numbers: each stratum shuffled, then dealt alternately to both halves.

    Odd-sized strata give their extra post to alternating halves, so the halves differ in size
    by at most one; singleton strata (sklearn's splitter refuses them) are fine.
    """
    order = np.random.default_rng(seed).permutation(len(strata))
    groups: dict[str, list[int]] = {}
    for row in order:
        groups.setdefault(strata[row], []).append(int(row))
    dev: list[int] = []
    test: list[int] = []
    flip = 0
    for key in sorted(groups):
        for position, row in enumerate(groups[key]):
            (dev if (position + flip) % 2 == 0 else test).append(row)
        flip ^= len(groups[key]) % 2
    return np.sort(dev), np.sort(test)


def precision_at_k(scores: np.ndarray, labels: np.ndarray, k: int = K) -> float:
    """Mean share of each row's k best other rows that share a label with it."""
    scores = np.array(scores, dtype=np.float32)
    np.fill_diagonal(scores, -np.inf)
    nearest = np.argpartition(-scores, k, axis=1)[:, :k]
    return float((labels[:, None, :] & labels[nearest]).any(axis=2).mean())


def model_dir() -> Path:
    """Where the bot keeps its models: $IDEENLOTSE_DATA_DIR/models (default ./data/models)."""
    return Path(os.environ.get("IDEENLOTSE_DATA_DIR", ROOT / "data")) / "models"


def model_encoder() -> tuple[str, Encode]:
    """The project's default encoder (multilingual-e5-small via sentence-transformers)."""
    import torch

    from matching.encoder import load_encoder

    torch.set_num_threads(2)
    encoder = load_encoder(None, model_dir())

    def encode(texts: Sequence[str], label: str, batch: int = 64) -> np.ndarray:
        parts = [
            encoder.encode(texts[start : start + batch], batch_size=batch)
            for start in tqdm(range(0, len(texts), batch), desc=label, unit="batch", leave=False)
        ]
        return np.vstack(parts) if parts else np.zeros((0, encoder.dim), np.float32)

    return f"{encoder.name} via sentence-transformers", encode
