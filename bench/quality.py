"""Quality benchmark: does the fused score find similar ideas better than its parts?

Two held-out measures, each for TF-IDF alone, raw e5 and the project's fused scores:
- STS-B de TEST: Spearman correlation of the score with the gold similarity of 1,379 pairs.
- Cycling dialogues: precision@5 - the share of a post's 5 nearest other posts that share at
  least one of its level-2 topic labels - on the TEST half of a fixed split, stratified by
  city and level-1 category and seeded (SPLIT_SEED). Only the TEST half is queried and
  searched; the DEV half is what every constant in `matching.lexical` / `matching.similarity`
  was tuned on, and is printed for comparison, as is the full set (tuned-on data included).
"Fused" is the profile meant for the task: DUPLICATE (graded paraphrase) for STS-B, RELATED
(same topic, through VectorIndex and `rerank` like the bot) for the cycling posts; the other
profiles are shown too, BASIC being what `fuse(semantic, lexical)` gives on raw cosines.

Data (in ../shared/data, or $IDEENLOTSE_SHARED_DATA):
- stsb-de: STS benchmark, German machine translation by Philip May (stsb-multi-mt, commit
  30de0de); scores CC BY-SA 4.0, texts under the licences of the original STS sources.
- cycling-dialogues: "Cycling Dialogues" corpus of the CIMT project, Romberg & Escher (2022),
  "Automated Topic Categorisation of Citizens' Contributions", EGOV 2022, LNCS, pp. 369-385;
  from alimoayedi/egov-2022 (commit f151b86). Annotations CC BY-SA 4.0; posts CC BY 4.0 by
  the citizens of the online participations of Bonn (raddialog.bonn.de), Köln-Ehrenfeld and
  Moers, attributed by the URL column of dataset.csv (see TERMS-OF-USE-*.txt there).

The model is provisioned into $IDEENLOTSE_DATA_DIR/models (default ./data/models) like the
bot does. Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/quality.py   (about 10 minutes on 2 CPU threads, mostly encoding)
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from tqdm import tqdm

from matching.lexical import LexicalModel, lexical_cosines
from matching.similarity import (
    BASIC,
    DUPLICATE,
    RELATED,
    SHORTLIST,
    Profile,
    VectorIndex,
    fused_scores,
    rerank,
)

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SEED = 20261127
TARGETS = {"stsb_test_spearman": 0.80, "cycling_p5": 0.46}
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


def precision_via_index(
    vectors: np.ndarray, texts: Sequence[str], labels: np.ndarray, profile: Profile
) -> float:
    """Precision@k the way the bot ranks: VectorIndex shortlist, then fused `rerank`."""
    index = VectorIndex(vectors.shape[1])
    index.add(np.arange(len(texts)), vectors)
    lexical = LexicalModel().fit(texts)
    lex = lexical.encode(texts)
    mean = index.mean()
    hits = []
    for row in range(len(texts)):
        shortlist = [i for i, _ in index.search(vectors[row], SHORTLIST, exclude={row})]
        best = rerank(
            vectors[row],
            lex.take([row]),
            shortlist,
            index.vectors(shortlist),
            lex.take(shortlist),
            k=K,
            mean=mean,
            profile=profile,
        )
        found = [m.id for m in best]
        hits.append((labels[row] & labels[found]).any(axis=1).mean())
    return float(np.mean(hits))


def cycling_figures(vectors: np.ndarray, posts: Posts, rows: np.ndarray) -> dict[str, float]:
    texts = [posts.texts[i] for i in rows]
    labels, emb = posts.labels[rows], vectors[rows]
    lex = LexicalModel().fit(texts).encode(texts)
    tfidf = lexical_cosines(lex, lex)
    basic = fused_scores(emb, emb, lex, lex, profile=BASIC)
    duplicate = fused_scores(emb, emb, lex, lex, profile=DUPLICATE)
    return {
        "tfidf": precision_at_k(tfidf, labels),
        "e5": precision_at_k(emb @ emb.T, labels),
        "fused": precision_via_index(emb, texts, labels, RELATED),
        "fused_basic": precision_at_k(basic, labels),
        "fused_duplicate": precision_at_k(duplicate, labels),
    }


def stsb_figures(encode: Encode) -> dict[str, float]:
    left, right, gold = load_stsb("test")
    a, b = encode(left, "STS-B test, 1st"), encode(right, "STS-B test, 2nd")
    lexical = LexicalModel().fit(left + right)
    la, lb = lexical.encode(left), lexical.encode(right)
    mean = np.vstack([a, b]).mean(axis=0)

    def rho(scores: np.ndarray) -> float:
        return float(spearmanr(scores, gold).statistic)

    def fused(profile: Profile) -> float:
        return rho(fused_scores(a, b, la, lb, profile=profile, mean=mean, paired=True))

    return {
        "tfidf": rho(lexical_cosines(la, lb, paired=True)),
        "e5": rho(np.einsum("ij,ij->i", a, b)),
        "fused": fused(DUPLICATE),
        "fused_basic": fused(BASIC),
        "fused_related": fused(RELATED),
    }


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


def run(encoder_name: str, encode: Encode) -> dict[str, object]:
    stsb = stsb_figures(encode)
    posts = load_cycling()
    vectors = encode(posts.texts, "cycling posts")
    dev, test = split_halves(posts.strata)
    every = np.arange(len(posts.texts))
    halves = {"test": test, "dev": dev, "full": every}
    cycling = {name: cycling_figures(vectors, posts, rows) for name, rows in halves.items()}
    met = {
        "stsb_test_spearman": stsb["fused"] >= TARGETS["stsb_test_spearman"],
        "cycling_p5": cycling["test"]["fused"] >= TARGETS["cycling_p5"],
    }
    return {
        "encoder": encoder_name,
        "stsb_test_spearman": stsb,
        "cycling_p5": cycling["test"],
        "cycling_p5_dev_half": cycling["dev"],
        "cycling_p5_full_set": cycling["full"],
        "cycling_sizes": {"test": len(test), "dev": len(dev), "full": len(every)},
        "targets": TARGETS,
        "met_by_target": met,
        "met": all(met.values()),
    }


def table(result: dict[str, object]) -> str:
    columns = ("tfidf", "e5", "fused", "fused_basic", "fused_related", "fused_duplicate")
    heads = ("TF-IDF", "e5", "fused", "basic", "related", "duplicate")
    lines = [
        f"encoder: {result['encoder']}",
        "fused = DUPLICATE profile on STS-B, RELATED profile on cycling (see docstring)",
        f"{'measure':<34}" + "".join(f"{h:>10}" for h in heads) + f"{'target':>8}",
    ]
    rows = (
        ("STS-B de test Spearman", "stsb_test_spearman", "stsb_test_spearman"),
        ("cycling P@5, test half", "cycling_p5", "cycling_p5"),
        ("cycling P@5, dev half (tuned on)", "cycling_p5_dev_half", None),
        ("cycling P@5, full set (incl. dev)", "cycling_p5_full_set", None),
    )
    for title, key, target in rows:
        figures = result[key]
        assert isinstance(figures, dict)
        cells = "".join(f"{figures[c]:>10.3f}" if c in figures else f"{'-':>10}" for c in columns)
        goal = f"{TARGETS[target]:>8.2f}" if target else f"{'':>8}"
        lines.append(f"{title:<34}{cells}{goal}")
    lines.append(f"targets met: {result['met_by_target']}")
    return "\n".join(lines)


def main() -> int:
    name, encode = model_encoder()
    result = run(name, encode)
    print(table(result))
    print(json.dumps(result, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
