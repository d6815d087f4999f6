"""Relevance harness: for each job, the project's scorer beside raw e5 cosine and TF-IDF.

Jobs and sets (bench/relevance_data.py has the sets and their dev/test halves):
- duplicate: the blind municipal duplicate sets A and B, and C (test only: a colleague
  trial's busy store, 40 ideas on five themes with 8 duplicate pairs): hit@1, hit@3 (is a
  paraphrase of the query the first / among the first three of all other ideas, by the
  duplicate margin beside the raw cosine), precision and recall of the "same idea" mark at
  the calibrated thresholds; STS-B de (Spearman).
- related: cycling dialogues P@5 (share of the 5 nearest posts sharing a level-2 topic);
  duplicate sets A and B theme P@3 (share of the 3 nearest ideas with the same theme);
  precision of the ideas shown (top 3 above the threshold) on the duplicate sets; set D
  (test only, written blind: three different ideas per problem): topic P@2, theme P@3 and
  the ideas shown.
- people: the blind people set: right person first (empty queries: nobody listed), nobody
  unrelated listed, the share of the right people listed, for `!wer` topics (as typed, see
  ``matching.people.asked_topic``) and for new ideas (colleagues on intake).
- routing: the separately written routing set (dev and test halves) and sets B and C, each
  written blind later by another author (test only; C was used once to try a lexical weight
  and a confidence floor, neither kept): accuracy, wrong single role, reason right.

Every figure is given for the dev half (thresholds were calibrated there) and the test half
(reported). Models: the plain multilingual-e5-small and the adapted one (German LoRA adapter),
so the adapter's effect is shown either way. `--calibrate` prints thresholds from the dev
halves for matching/relevance.py and exits. Embeddings are cached in the data dir.

Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/relevance.py   (about 10 minutes on 2 cores with a cold cache)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality import load_cycling, load_stsb, precision_at_k, split_halves
from relevance_data import (
    Item,
    RoutingCase,
    duplicate_set,
    half_of,
    people_set,
    related_set,
    routing_set,
)

from matching.adapter import fingerprint
from matching.e5_build import ADAPTED_NAME
from matching.encoder import DEFAULT_MODEL, PLAIN_MODEL, SentenceEncoder, provision_model
from matching.engine import SAME_IDEA_CANDIDATES, IdeaEngine, reference_ideas
from matching.margin import pair_margins
from matching.people import Profile, Wording, asked_topic, rank_people
from matching.relevance import PRECISION_TARGET, Thresholds, thresholds_for
from matching.routing import Route, Router, seed_examples

ROOT = Path(__file__).resolve().parents[1]
HALVES = ("dev", "test")
TARGETS = {
    "duplicate_hit1": 0.85,
    "duplicate_hit3": 0.97,
    "cycling_p5": 0.46,
    "stsb_test": 0.82,
    "people_first": 0.85,
    "people_clean": 0.90,
    "routing_accuracy": 0.92,
    "routing_wrong_single_max": 0.03,
    "routing_reason": 0.85,
}
Encode = Callable[[Sequence[str]], np.ndarray]


def data_dir() -> Path:
    return Path(os.environ.get("IDEENLOTSE_DATA_DIR", ROOT / "data"))


def cached_encoder(model: str) -> tuple[SentenceEncoder, Encode]:
    """The bot's own encoder, with vectors cached on disk per model and text list."""
    import torch

    torch.set_num_threads(2)
    encoder = SentenceEncoder(provision_model(model, data_dir() / "models", progress=True))
    cache = data_dir() / "bench-cache"
    cache.mkdir(parents=True, exist_ok=True)

    def encode(texts: Sequence[str]) -> np.ndarray:
        version = model + "\x01" + (fingerprint() if model == ADAPTED_NAME else "")
        key = hashlib.sha256(("\x00".join(texts) + "\x01" + version).encode()).hexdigest()[:24]
        path = cache / f"{key}.npy"
        if path.exists():
            return np.load(path)
        vectors = encoder.encode(list(texts), batch_size=32, progress=len(texts) > 200)
        np.save(path, vectors)
        return vectors

    return encoder, encode


def centred_matrix(v: np.ndarray) -> np.ndarray:
    """The related job's score: cosines after removing the corpus centre (as the bot does)."""
    c = v - v.mean(axis=0)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    return c @ c.T


def margin_matrix(v: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The duplicate margin of every pair, as the bot computes it (``matching.margin``)."""
    cos = v @ v.T
    pairs = [(a, b, float(cos[a, b])) for a in range(len(v)) for b in range(a + 1, len(v))]
    out = np.full(cos.shape, -np.inf, dtype=np.float32)
    for (a, b, _), m in zip(pairs, pair_margins(v, pairs, background), strict=True):
        out[a, b] = out[b, a] = m
    return out


def tfidf_matrix(texts: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    m = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 6), sublinear_tf=True)
    x = m.fit_transform([t.lower() for t in texts])
    return np.asarray((x @ x.T).toarray(), dtype=np.float32)


# -- duplicate and related ----------------------------------------------------------------


def duplicate_figures(encode: Encode, th: Thresholds) -> dict[str, object]:
    """``margin`` is the duplicate job's ranking (``matching.margin``), ``e5`` the raw cosine
    beside it, ``related`` the related job's."""
    out: dict[str, object] = {}
    background = encode(reference_ideas())
    for name in ("a", "b", "c"):
        items = duplicate_set(name)
        texts = [i.text for i in items]
        v = encode(texts)
        margins = margin_matrix(v, background)
        themed = all(i.theme for i in items)  # C has none: test only, no related figures
        scores = {
            "tfidf": tfidf_matrix(texts),
            "e5": v @ v.T,
            "margin": margins,
            "related": centred_matrix(v),
        }
        for half in HALVES if themed else ("all",):
            queries = [n for n, it in enumerate(items) if it.group and _in(half, it.group)]
            every = [n for n, it in enumerate(items) if _in(half, it.group or it.id)]
            row: dict[str, object] = {}
            for method, matrix in scores.items():
                m = matrix.copy()
                np.fill_diagonal(m, -np.inf)
                top = np.argsort(-m, axis=1)[:, :3]
                same = [[items[j].group == items[n].group for j in top[n]] for n in queries]
                theme = [np.mean([items[j].theme == items[n].theme for j in top[n]]) for n in every]
                row[method] = {
                    "hit1": round(float(np.mean([s[0] for s in same])), 3),
                    "hit3": round(float(np.mean([any(s) for s in same])), 3),
                } | ({"theme_p3": round(float(np.mean(theme)), 3)} if themed else {})
            row["marked"] = _marked(items, v @ v.T, margins, every, th)
            if themed:
                row["shown"] = _shown(items, scores["related"], every, th.related)
            row["queries"] = len(queries)
            out[f"{name}_{half}"] = row
    return out


def related_figures(encode: Encode, th: Thresholds) -> dict[str, object]:
    """Set D (test only): are the other ideas on the same problem the nearest two (topic
    P@2), are the three nearest on the same theme (theme P@3), and what does the bot show
    (top 3 above the related threshold): right when on the same problem."""
    items = related_set()
    texts = [i.text for i in items]
    v = encode(texts)
    scores = {"tfidf": tfidf_matrix(texts), "e5": v @ v.T, "related": centred_matrix(v)}
    out: dict[str, object] = {}
    for method, matrix in scores.items():
        m = matrix.copy()
        np.fill_diagonal(m, -np.inf)
        top = np.argsort(-m, axis=1)[:, :3]
        out[method] = {
            "topic_p2": round(float(np.mean([[items[j].topic == i.topic for j in top[n, :2]]
                                             for n, i in enumerate(items)])), 3),
            "theme_p3": round(float(np.mean([[items[j].theme == i.theme for j in top[n]]
                                             for n, i in enumerate(items)])), 3),
        }  # fmt: skip
    by_topic = [Item(i.id, None, i.topic, i.text) for i in items]
    out["shown"] = _shown(by_topic, scores["related"], list(range(len(items))), th.related)
    return out


def _in(half: str, key: str) -> bool:
    return half == "all" or half_of(key) == half


def _marked(
    items: list, cos: np.ndarray, margins: np.ndarray, rows: list[int], th: Thresholds
) -> dict[str, float]:
    """The "same idea" mark as the bot sets it (``IdeaEngine.same_idea``): of the ideas whose
    cosine reaches the duplicate threshold, the one with the highest margin, if that reaches
    its own. Precision, and recall over the ideas that have a paraphrase."""
    marked = right = 0
    grouped = [n for n in rows if items[n].group]
    for n in rows:
        closest = [j for j in np.argsort(-cos[n])[: SAME_IDEA_CANDIDATES + 1] if j != n]
        near = [j for j in closest[:SAME_IDEA_CANDIDATES] if cos[n, j] >= th.duplicate]
        if not near:
            continue
        j = max(near, key=lambda j: margins[n, j])
        if margins[n, j] >= th.duplicate_margin:
            marked += 1
            right += items[n].group is not None and items[j].group == items[n].group
    return {
        "precision": round(right / marked, 3) if marked else 0.0,
        "recall": round(right / len(grouped), 3) if grouped else 0.0,
        "marked": marked,
    }


def _shown(items: list, sims: np.ndarray, rows: list[int], threshold: float) -> dict[str, float]:
    """Similar ideas shown (top 3 above the threshold): share on the same theme or idea."""
    m = sims.copy()
    np.fill_diagonal(m, -np.inf)
    shown = right = 0
    for n in rows:
        for j in np.argsort(-m[n])[:3]:
            if m[n, j] < threshold:
                break
            shown += 1
            right += items[j].theme == items[n].theme or (
                items[n].group is not None and items[j].group == items[n].group
            )
    return {"precision": round(right / shown, 3) if shown else 0.0, "per_idea": shown / len(rows)}


def stsb_figures(encode: Encode) -> dict[str, object]:
    from scipy.stats import spearmanr

    out: dict[str, object] = {}
    for half in HALVES:
        left, right, gold = load_stsb(half)
        a, b = encode(left), encode(right)
        t = tfidf_matrix(left + right)
        n = len(left)
        out[half] = {
            "tfidf": round(float(spearmanr(np.diag(t[:n, n:]), gold).statistic), 4),
            "e5": round(float(spearmanr(np.einsum("ij,ij->i", a, b), gold).statistic), 4),
        }
    return out


def cycling_figures(encode: Encode) -> dict[str, object]:
    posts = load_cycling()
    v = encode(posts.texts)
    dev, test = split_halves(posts.strata)
    out: dict[str, object] = {}
    for half, rows in zip(HALVES, (dev, test), strict=True):
        texts = [posts.texts[i] for i in rows]
        emb, labels = v[rows], posts.labels[rows]
        out[half] = {
            "tfidf": round(precision_at_k(tfidf_matrix(texts), labels), 4),
            "e5": round(precision_at_k(emb @ emb.T, labels), 4),
            "related": round(precision_at_k(centred_matrix(emb), labels), 4),
        }
    return out


# -- people -------------------------------------------------------------------------------


def people_figures(encode: Encode, th: Thresholds, count: bool = False) -> dict[str, object]:
    """Set A ("people", written blind) in its dev and test halves, thresholds calibrated on
    its dev half; sets B, C and D (other towns, written blind later by other authors) whole,
    as test sets. B was in view when the intake thresholds were chosen; C and D were written
    after, D with many synonyms ("Hochzeit" for an interest "Eheschließungen")."""
    out: dict[str, object] = {}
    others = tuple((f"people_{n}", ("all",)) for n in "bcd")
    for name, halves in (("people", HALVES), *others):
        suffix = "" if name == "people" else name[-2:]
        for key, row in _people_rows(encode, th, name, halves, count).items():
            out[key.replace("_", suffix + "_", 1) if suffix else key] = row
    return out


def _people_rows(
    encode: Encode, th: Thresholds, name: str, halves: Sequence[str], count: bool
) -> dict[str, dict[str, float]]:
    people, queries = people_set(name)
    profiles = []
    for n, person in enumerate(people):
        profile = Profile(n, topics=list(person.interests))
        if person.interests:
            profile.topic_vectors = encode(person.interests)
        if person.ideas:
            profile.idea_ids = list(range(len(person.ideas)))
            profile.idea_texts = list(person.ideas)
            profile.idea_vectors = encode(person.ideas)
            profile.idea_ages_days = [0.0] * len(person.ideas)
        profiles.append(profile)
    # Ideas are centred as in the bot: the people's ideas' mean drawn towards the reference
    # ideas' mean. Topics are not (see bot.semantic).
    background = encode(reference_ideas())
    engine = IdeaEngine(background.shape[1], background)
    for profile in profiles:
        engine.add([profile.person_id * 100 + i for i in profile.idea_ids], profile.idea_vectors)
    centre = engine.centre()
    out: dict[str, dict[str, float]] = {}
    for kind, threshold in (("topic", th.person_topic), ("idea", th.person_idea)):
        chosen = [q for q in queries if q.kind == kind]
        texts = [asked_topic(q.text) if kind == "topic" else q.text for q in chosen]  # as `!wer`
        vectors = encode(texts)
        for half in halves:
            first = clean = listed = wrong = 0
            reached: list[float] = []  # per query with right people: the share of them listed
            rows = [n for n, q in enumerate(chosen) if half in ("all", half_of(q.id))]
            for n in rows:
                q = chosen[n]
                found = rank_people(
                    vectors[n],
                    profiles,
                    min_score=threshold,
                    limit=5,
                    centre=centre if kind == "idea" else None,  # as the bot does
                    interest_min=th.person_interest if kind == "idea" else None,
                    text=q.text if kind == "idea" else None,
                    named_interest_min=th.person_interest_named,
                    wording=Wording.among(texts[n], profiles, reference_ideas())
                    if kind == "topic"
                    else None,
                )
                names = [people[m.person_id].name for m in found]
                ok = set(q.relevant) | set(q.acceptable)
                first += (bool(names) and names[0] in q.relevant) if q.relevant else not names
                clean += all(name in ok for name in names)
                listed += len(names)
                wrong += sum(name not in ok for name in names)
                if q.relevant:
                    reached.append(len(set(names) & set(q.relevant)) / len(q.relevant))
            out[f"{kind}_{half}"] = {
                "first_right": round(first / len(rows), 3),
                "nobody_unrelated": round(clean / len(rows), 3),
                "listed_precision": round(1 - wrong / listed, 3) if listed else 0.0,
                "relevant_listed": round(float(np.mean(reached)), 3) if reached else 0.0,
                "queries": len(rows),
            }
            if count:
                out[f"{kind}_{half}"]["listed"] = listed
    return out


# -- routing ------------------------------------------------------------------------------


class _Cached:
    """Encoder port over the cached encode, so Router runs exactly as in the bot."""

    def __init__(self, encoder: SentenceEncoder, encode: Encode) -> None:
        self.name, self.dim, self._encode = encoder.name, encoder.dim, encode

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False):  # type: ignore[no-untyped-def]
        return self._encode(list(texts))


def routing_figures(encoder: SentenceEncoder, encode: Encode) -> dict[str, object]:

    router = Router(_Cached(encoder, encode))  # type: ignore[arg-type]
    router.fit(seed_examples())
    out: dict[str, object] = {}
    others = tuple((f"routing_eval_{n}", ("all",)) for n in "bc")
    for name, halves in (("routing_eval", HALVES), *others):
        cases = routing_set(name)
        routes = router.route_many([c.text for c in cases])
        for half in halves:
            key = half if name == "routing_eval" else f"{name[-1]}_all"
            out[key] = _routing_row(cases, routes, half)
    return out


def _routing_row(cases: list[RoutingCase], routes: list[Route], half: str) -> dict[str, object]:
    rows = [n for n, c in enumerate(cases) if half in ("all", half_of(c.text))]
    right = wrong_single = reason_right = neutral = 0
    for n in rows:
        case, route = cases[n], routes[n]
        right += route.target == case.label
        wrong_single += route.target != "both" and route.target != case.label
        named = list(route.areas)
        if not named:
            neutral += 1
        reason_right += bool(named) and all(a in case.areas for a in named)
    return {
        "accuracy": round(right / len(rows), 3),
        "wrong_single": round(wrong_single / len(rows), 3),
        "reason_right": round(reason_right / len(rows), 3),
        "reason_neutral": round(neutral / len(rows), 3),
        "reason_wrong": round((len(rows) - reason_right - neutral) / len(rows), 3),
        "questions": len(rows),
    }


# -- calibration (dev halves only) -----------------------------------------------------------

GRID = [round(-0.2 + 0.005 * i, 3) for i in range(240)]  # cosines -0.2 .. 0.995


MIN_SUGGESTIONS = 5  # a precision over fewer suggestions says nothing
# The mark asks the author "is this the same idea as #12?": every colleague trial named a
# wrong one the worst noise, so it is held to a higher precision than a suggestion.
DUPLICATE_PRECISION = 0.9
DUPLICATE_COSINES = [round(0.85 + 0.005 * i, 3) for i in range(21)]  # 0.85 .. 0.95
DUPLICATE_MARGINS = [round(0.002 * i, 3) for i in range(51)]  # 0 .. 0.1


def calibrate(model: str) -> Thresholds:
    """Per job, the lowest threshold whose suggestions on the dev halves are right at least
    PRECISION_TARGET of the time (lowest: as many right suggestions as that allows); where no
    threshold reaches it with MIN_SUGGESTIONS, the most precise one, and a line says so."""
    _, encode = cached_encoder(model)

    def lowest(job: str, measure: Callable[[float], tuple[float, float]]) -> float:
        curve = [(t, *measure(t)) for t in GRID]
        usable = [(t, p, n) for t, p, n in curve if n >= MIN_SUGGESTIONS]
        for t, p, n in usable:
            if p >= PRECISION_TARGET:
                print(f"  {job}: {t} (precision {p:.2f} over {n:.0f} on dev)")
                return t
        t, p, n = max(usable, key=lambda row: (row[1], -row[0]))
        print(f"  {job}: {t} (target not reached; best precision {p:.2f} over {n:.0f} on dev)")
        return t

    def related(t: float) -> tuple[float, float]:
        right = total = 0.0
        for name in ("a", "b"):
            items = duplicate_set(name)
            v = encode([i.text for i in items])
            rows = [n for n, it in enumerate(items) if half_of(it.group or it.id) == "dev"]
            got = _shown(items, centred_matrix(v), rows, t)
            right += got["precision"] * got["per_idea"] * len(rows)
            total += got["per_idea"] * len(rows)
        return (right / total if total else 0.0), total

    def duplicate() -> tuple[float, float]:
        """Both duplicate thresholds at once: the most right marks on dev at a precision of
        DUPLICATE_PRECISION (ties: fewer marks, then the higher thresholds)."""
        background = encode(reference_ideas())
        sets = []
        for name in ("a", "b"):
            items = duplicate_set(name)
            v = encode([i.text for i in items])
            rows = [n for n, it in enumerate(items) if half_of(it.group or it.id) == "dev"]
            sets.append((items, v @ v.T, margin_matrix(v, background), rows))
        best: tuple[float, int, float, float] | None = None
        for cosine in DUPLICATE_COSINES:
            for least in DUPLICATE_MARGINS:
                th = Thresholds(cosine, 0, 0, 0, 0, 0, duplicate_margin=least)
                got = [_marked(items, cos, m, rows, th) for items, cos, m, rows in sets]
                marked = sum(int(g["marked"]) for g in got)
                right = round(sum(g["precision"] * g["marked"] for g in got))
                if marked >= MIN_SUGGESTIONS and right / marked >= DUPLICATE_PRECISION:
                    best = max(best or (0, 0, 0, 0), (right, -marked, cosine, least))
        if best is None:
            print("  duplicate: target not reached on dev; cosine only")
            return thresholds_for(model).duplicate, Thresholds.duplicate_margin
        right, marked, cosine, least = best
        print(f"  duplicate: {cosine}, margin {least} ({right} right of {-marked} marks on dev)")
        return cosine, least

    def people(kind: str, t: float, interest: float = 2.0) -> tuple[float, float]:
        figures = people_figures(encode, Thresholds(0, 0, t, t, interest, 0), count=True)
        row = figures[f"{kind}_dev"]
        return float(row["listed_precision"]), float(row["listed"])  # type: ignore[index]

    # On intake, ideas meet ideas first (interests out of reach), then interests are added
    # to what the ideas' threshold lists.
    person_idea = lowest("person_idea", lambda t: people("idea", t))

    print(model)
    same_cosine, same_margin = duplicate()
    return Thresholds(
        duplicate=same_cosine,
        duplicate_margin=same_margin,
        related=lowest("related", related),
        person_topic=lowest("person_topic", lambda t: people("topic", t)),
        person_idea=person_idea,
        person_interest=lowest("person_interest", lambda t: people("idea", person_idea, t)),
        answer_reuse=thresholds_for(model).answer_reuse,  # set by its own test set
    )


def evaluate(model: str) -> dict[str, object]:
    encoder, encode = cached_encoder(model)
    th = thresholds_for(encoder.name)
    return {
        "model": encoder.name,
        "thresholds": th.__dict__,
        "duplicate": duplicate_figures(encode, th),
        "related": related_figures(encode, th),
        "stsb": stsb_figures(encode),
        "cycling_p5": cycling_figures(encode),
        "people": people_figures(encode, th),
        "routing": routing_figures(encoder, encode),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Examples: .venv/bin/python bench/relevance.py; ... bench/relevance.py --calibrate",
    )
    parser.add_argument("--calibrate", action="store_true", help="print DEV thresholds and exit")
    if parser.parse_args().calibrate:
        for model in (PLAIN_MODEL, DEFAULT_MODEL):
            print(calibrate(model))
        return 0
    results = [evaluate(PLAIN_MODEL), evaluate(DEFAULT_MODEL)]
    for result in results:
        print(f"== {result['model']}")
        for key in ("duplicate", "related", "stsb", "cycling_p5", "people", "routing"):
            print(f"{key}: {json.dumps(result[key], ensure_ascii=False)}")
    print(json.dumps({"targets": TARGETS, "precision_target": PRECISION_TARGET, "runs": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
