"""Routing a staff question to the CDO, the CIO, or both, with a reason the asker can read.

The classifier is a three-class logistic regression on e5 embeddings: "both" is a class of
its own, learnt from the border questions of the seed set, and in addition any question whose
best single role is less likely than `min_confidence` goes to both. bench/routing.py measures
this with stratified 5-fold cross-validation (five shuffles) against the alternatives: two
classes where only low confidence leads to both never learn what a border question looks
like - at a floor that keeps clear-case accuracy at 0.90 they reach 0.38 of the "both" seeds,
this design 0.71 at 0.94; the third class without the floor sends more questions to the
wrong single role (0.025 against 0.015). Measured while choosing, not repeated in the bench:
balanced class weights cost clear-case accuracy (0.89 against 0.93), C between 16 and 128 was
within noise. TF-IDF features appended to the embeddings gave no gain on the first 274 seeds;
a separate character n-gram classifier whose probabilities are averaged with these does, on
765 seeds and on two sets written by others (``matching.routing_lexical`` has the figures).

Re-routings by a role holder become training examples with a higher weight and take effect at
once: embeddings are cached per text, so a refit encodes only the new question and fits the
small linear model again (milliseconds). The seed questions' embeddings are kept with the model
(``matching.kept``), so a new process does not encode 765 questions before it routes.

The reason names what the question is really about: a second logistic regression over the same
embeddings learns the remit areas of the labelled seed questions (column `area`), and the most
likely area of the chosen role is named. A wrong reason is worse than a neutral one, so when no
area of that role is likely enough (AREA_MIN, chosen on the dev half of the separately
written routing set, bench/eval_sets/routing_eval.csv), the reason only names the side
(organisation or technology). The earlier design, similarity to hand-written area
descriptions nudged by keywords, named a fitting area for about 6 of 14 questions written by
someone else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from matching.encoder import Encoder
from matching.kept import encode_kept, kept_arrays, model_digest
from matching.reasons import terms
from matching.routing_learnt import drop_stale, kept_refit
from matching.routing_lexical import LARGEST, LEXICAL_C, LEXICAL_WEIGHT, LexicalModel, fit_lexical

LABELS = ("cdo", "cio", "both")
SEED_FILE = "routing_seed.csv"
# First chosen by cross-validation on the seed set (module docstring, bench/routing.py). With
# the 240 questions of other authors' styles added to the seeds (780 in all), chosen on
# the dev half of the routing set: C 8 over 4, 16, 32 and 64 (dev accuracy 0.919 against
# 0.849-0.907); a floor from 0.3 to 0.4 changed nothing there, 0.45 and above cost accuracy.
DEFAULT_MIN_CONFIDENCE = 0.4
REGULARISATION_C = 8.0  # inverse L2 strength
# A role holder's re-routing counts this many times a seed example: one correction must move
# its close neighbourhood against the seeds (4 did against 274 seeds; 16 against 540; against
# 780 at C 8, 16 did not, 32 does), yet stay one voice among many elsewhere: with 32, one
# correction changed none of the 160 questions of the routing set (24 changed two).
FEEDBACK_WEIGHT = 32.0
# Chosen on the dev half of the routing set, counting a wrong reason twice as bad as a neutral
# one (right minus twice wrong): with the 780 seeds, C 32 over 8. With the character n-grams
# beside the embeddings (``matching.routing_lexical``, weight 0.5 over 0.3 and 0.65), a floor
# of 0.2 over 0.15, 0.25 and 0.3 (dev: right 0.814, neutral 0.163, wrong 0.023; the
# embeddings alone at their best floor, 0.3: 0.686, 0.256, 0.058).
AREA_C = 32.0  # inverse L2 strength of the area classifier
AREA_MIN = 0.2  # probability an area needs to be named as the reason

# "Hallo", "Danke!" or an empty line carry no topic, yet the model would still pick a side
# with high confidence; such texts (at most one content word and no remit keyword) go to both.
EMPTY_PLACEHOLDER = "?"  # encoded in place of an empty text, keeps the batch aligned


@dataclass(frozen=True)
class Route:
    """Where a question goes and why. The bot words the reason in the reader's language
    (``bot.render.route_reason``) from ``areas``: the remit area of the chosen role, or for
    "both" the organisation's and the technology's area when both are clear; none when no
    area is likely enough. ``basis`` says when there is nothing to go by at all."""

    target: str  # "cdo" | "cio" | "both"
    confidence: float  # 0..1: p(target); for "both", 1 - p(best single role)
    areas: tuple[str, ...] = ()
    basis: str = "topic"  # "topic" | "no_topic" (the text names none) | "no_router"


@dataclass(frozen=True)
class Example:
    """A labelled question: from the seed set or from a role holder's re-routing."""

    text: str
    label: str


@dataclass(frozen=True)
class Linear:
    """A fitted logistic regression, as much of it as routing needs: the probabilities.

    scikit-learn fits it, but takes 1.2 s to import; a one-shot `ideenlotse route` reads the
    fitted seed models from the model folder (``matching.kept``) and needs only this.
    """

    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, dim), or (1, dim) for two classes
    intercept: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """As scikit-learn's ``predict_proba``: softmax over the classes, a sigmoid for two."""
        scores = features @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"classes": np.array(self.classes), "coef": self.coef, "intercept": self.intercept}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Linear:
        classes = tuple(str(c) for c in arrays["classes"])
        return cls(classes, arrays["coef"], arrays["intercept"])


def fit_linear(
    features: np.ndarray, labels: Sequence[str], weights: Sequence[float], c: float, max_iter: int
) -> Linear:
    from sklearn.linear_model import LogisticRegression  # only here: 1.2 s to import

    model = LogisticRegression(C=c, max_iter=max_iter)
    model.fit(features, list(labels), sample_weight=np.asarray(weights))
    classes = tuple(str(c) for c in model.classes_)
    return Linear(classes, np.asarray(model.coef_), np.asarray(model.intercept_))


# The remit areas the asker may read as the reason, by role. The seed questions are labelled
# with them (matching/routing_seed.csv, column `area`).
AREAS: dict[str, str] = {
    "Digitalstrategie und Digitalagenda": "cdo",
    "Organisation und Abläufe": "cdo",
    "Online-Dienste nach dem OZG": "cdo",
    "Bürgerservice": "cdo",
    "Koordination und Synergien": "cdo",
    "Veränderungsmanagement": "cdo",
    "Qualifizierung und Schulung": "cdo",
    "Fördermittel": "cdo",
    "Datenstrategie und Open Data": "cdo",
    "IT-Strategie und IT-Projektplan": "cio",
    "IT-Service": "cio",
    "IT-Architektur und Fachverfahren": "cio",
    "Hardware": "cio",
    "Software und Lizenzen": "cio",
    "Netzwerk und WLAN": "cio",
    "IT-Sicherheit": "cio",
    "IT-Verträge und Beschaffung": "cio",
    "Server und Rechenzentrum": "cio",
    "Benutzerkonten und Zugänge": "cio",
    "Messenger und Videokonferenzen": "cio",
}


def seed_examples() -> list[Example]:
    """The labelled seed questions packaged with the code (matching/routing_seed.csv)."""
    text = resources.files("matching").joinpath(SEED_FILE).read_text(encoding="utf-8")
    examples = [Example(row["text"], row["label"]) for row in csv.DictReader(io.StringIO(text))]
    for example in examples:
        _check_label(example.label)
    return examples


def seed_areas() -> list[tuple[str, tuple[str, ...]]]:
    """(question, remit areas) of the seed set: what the area classifier learns from."""
    text = resources.files("matching").joinpath(SEED_FILE).read_text(encoding="utf-8")
    rows = [
        (row["text"], tuple(a for a in (row.get("area") or "").split(";") if a))
        for row in csv.DictReader(io.StringIO(text))
    ]
    for _, areas in rows:
        unknown = [a for a in areas if a not in AREAS]
        if unknown:
            raise ValueError(f"unknown remit area {unknown[0]!r} in {SEED_FILE}")
    return [(text, areas) for text, areas in rows if areas]


def _check_label(label: str) -> None:
    if label not in LABELS:
        raise ValueError(f"unknown routing label {label!r}; expected one of {LABELS}")


class Router:
    """Routes questions; learns from re-routings without a restart.

    Not thread-safe: callers that route from several threads serialise access.
    """

    def __init__(
        self,
        encoder: Encoder,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        learnt_at: Path | None = None,
    ) -> None:
        """``learnt_at``: where the refit on re-routings is kept (``matching.routing_learnt``)."""
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.encoder = encoder
        self.min_confidence = min_confidence
        self.learnt_at = learnt_at
        self._seeded = False  # trained on the packaged seeds (not on fit()'s examples)
        self._cache: dict[str, np.ndarray] = {}  # text -> embedding, so refits skip encoding
        self._examples: list[Example] = []
        self._weights: list[float] = []
        self._learnt: list[Example] = []  # re-routings not yet fitted
        self._model: Linear | None = None
        self._lexical: LexicalModel | None = None
        self._areas: tuple[Linear, LexicalModel] | None = None

    @property
    def examples(self) -> list[Example]:
        """The training examples in use: the fitted set plus re-routings, in order."""
        return [*self._examples, *self._learnt]

    def fit(self, examples: Sequence[Example]) -> None:
        """Train on `examples` (usually `seed_examples()`), replacing earlier training."""
        for example in examples:
            _check_label(example.label)
        self._examples = list(examples)
        self._weights = [1.0] * len(self._examples)
        self._learnt, self._seeded = [], False
        self._refit()

    def add_example(self, text: str, label: str) -> None:
        """Learn from a re-routing: `text` belongs to `label`; effective for the next route.

        The models are refitted on that route, once for all re-routings learnt meanwhile: a
        process replaying the stored re-routings at its start paid 2-10 s for the refit on
        every command, `!hilfe` included (trial 9), though most never route a question."""
        _check_label(label)
        if not text.strip():
            raise ValueError("cannot learn from an empty question")
        self._learnt.append(Example(text, label))

    def prepare(self) -> None:
        """Fit (or read back) the seed models now rather than on the first question."""
        self._fitted()
        self._area_classifier()

    def route(self, text: str) -> Route:
        """Route one question."""
        return self.route_many([text])[0]

    def route_many(self, texts: Sequence[str], *, progress: bool = False) -> list[Route]:
        """Route several questions with one encoder call; same result as `route` per text."""
        if isinstance(texts, str):
            raise TypeError("route_many() takes a sequence of texts, not a single string")
        if not texts:
            return []
        model = self._fitted()
        assert self._lexical is not None  # fitted with the model
        cleaned = [text.strip() or EMPTY_PLACEHOLDER for text in texts]
        vectors = self.encoder.encode(cleaned, progress=progress)
        probabilities = _fused(model, self._lexical, vectors, cleaned)
        areas, area_grams = self._area_classifier()
        area_rows = _fused(areas, area_grams, vectors, cleaned)
        return [
            self._decide(
                dict(zip(model.classes, row.tolist(), strict=True)),
                dict(zip(areas.classes, area_row.tolist(), strict=True)),
            )
            if terms(text)
            else Route("both", 0.0, basis="no_topic")
            for text, row, area_row in zip(texts, probabilities, area_rows, strict=True)
        ]

    # -- internals ------------------------------------------------------------------------

    def _fitted(self) -> Linear:
        if self._model is None:  # nobody called fit: the packaged seed set, fitted once
            seeds = seed_examples()
            texts = sorted({seed.text for seed in seeds})
            self._cache.update(zip(texts, encode_kept(self.encoder, texts), strict=True))
            self._examples, self._weights = list(seeds), [1.0] * len(seeds)
            pairs = [(e.text, e.label) for e in seeds]
            key = ["router", REGULARISATION_C, pairs]
            arrays = kept_arrays(self.encoder, key, lambda: self._train().arrays())
            self._model = Linear.from_arrays(arrays)
            key = ["router-grams", LEXICAL_C, LARGEST, pairs]
            arrays = kept_arrays(self.encoder, key, lambda: self._train_lexical().arrays())
            self._lexical = LexicalModel.from_arrays(arrays)
            self._seeded = True
        if self._learnt:
            self._examples += self._learnt
            self._weights += [FEEDBACK_WEIGHT] * len(self._learnt)
            self._learnt = []
            digest = self._learnt_digest(self._examples, self._weights) if self._seeded else None
            embedded, grams = kept_refit(
                self.learnt_at,
                digest,
                lambda: (self._train().arrays(), self._train_lexical().arrays()),
            )
            self._model, self._lexical = (
                Linear.from_arrays(embedded),
                LexicalModel.from_arrays(grams),
            )
        assert self._model is not None
        return self._model

    def drop_stale_learnt(self) -> None:
        """Remove a kept refit that is not the one for the seeds and the re-routings learnt so
        far (call after replaying them: one was erased, say)."""
        if self.learnt_at is None or not self.learnt_at.exists():
            return  # nothing kept: no digest to compute at start-up
        seeds = seed_examples()
        examples = [*seeds, *self._learnt]
        weights = [1.0] * len(seeds) + [FEEDBACK_WEIGHT] * len(self._learnt)
        drop_stale(self.learnt_at, self._learnt_digest(examples, weights))

    def _learnt_digest(self, examples: Sequence[Example], weights: Sequence[float]) -> str | None:
        pairs = [[e.text, e.label, w] for e, w in zip(examples, weights, strict=True)]
        return model_digest(self.encoder, ["learnt", REGULARISATION_C, LEXICAL_C, LARGEST, pairs])

    def _refit(self) -> None:
        self._model, self._lexical = self._train(), self._train_lexical()

    def _train_lexical(self) -> LexicalModel:
        texts = [example.text for example in self._examples]
        return fit_lexical(texts, [e.label for e in self._examples], self._weights)

    def _train(self) -> Linear:
        texts = [example.text for example in self._examples]
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                self._cache[text] = vector
        if len({example.label for example in self._examples}) < 2:
            raise ValueError("routing needs examples of at least two labels")
        features = np.stack([self._cache[t] for t in texts])
        labels = [example.label for example in self._examples]
        return fit_linear(features, labels, self._weights, REGULARISATION_C, 2000)

    def _area_classifier(self) -> tuple[Linear, LexicalModel]:
        """Remit areas learnt from the seed questions; a "both" question counts for each area."""
        if self._areas is None:
            rows = seed_areas()
            texts = [text for text, areas in rows for _ in areas]
            labels = [area for _, areas in rows for area in areas]
            weights = [1.0 / len(areas) for _, areas in rows for _ in areas]

            def train() -> Linear:
                missing = sorted(set(texts) - set(self._cache))
                if missing:
                    for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                        self._cache[text] = vector
                features = [self._cache[text] for text in texts]
                return fit_linear(np.stack(features), labels, weights, AREA_C, 3000)

            def train_grams() -> LexicalModel:
                return fit_lexical(texts, labels, weights)

            embedded = kept_arrays(self.encoder, ["areas", AREA_C, rows], lambda: train().arrays())
            key = ["areas-grams", LEXICAL_C, LARGEST, rows]
            grams = kept_arrays(self.encoder, key, lambda: train_grams().arrays())
            self._areas = (Linear.from_arrays(embedded), LexicalModel.from_arrays(grams))
        return self._areas

    def _decide(self, probabilities: dict[str, float], areas: dict[str, float]) -> Route:
        """Pick the target from class probabilities; the reason's areas from the area model."""
        p_cdo, p_cio = probabilities.get("cdo", 0.0), probabilities.get("cio", 0.0)
        p_both = probabilities.get("both", 0.0)
        best = "cdo" if p_cdo >= p_cio else "cio"
        p_best = max(p_cdo, p_cio)
        if p_both > p_best or p_best < self.min_confidence:
            # the chance that picking one role alone would be wrong
            return Route("both", round(1.0 - p_best, 3), _areas_named("both", areas))
        return Route(best, round(p_best, 3), _areas_named(best, areas))


def _fused(
    embedded: Linear, grams: LexicalModel, vectors: np.ndarray, texts: Sequence[str]
) -> np.ndarray:
    """The two classifiers' probabilities averaged, in the embedding classifier's order."""
    order = [grams.classes.index(c) for c in embedded.classes]
    by_words = grams.probabilities(texts)[:, order]
    return (1 - LEXICAL_WEIGHT) * embedded.probabilities(vectors) + LEXICAL_WEIGHT * by_words


def _best_area(role: str, areas: dict[str, float]) -> str | None:
    """The role's most likely area, if likely enough to tell the asker."""
    ranked = sorted((p, a) for a, p in areas.items() if AREAS.get(a) == role)
    if not ranked or ranked[-1][0] < AREA_MIN:
        return None
    return ranked[-1][1]


def _areas_named(target: str, areas: dict[str, float]) -> tuple[str, ...]:
    if target != "both":
        area = _best_area(target, areas)
        return (area,) if area else ()
    organisation, technology = _best_area("cdo", areas), _best_area("cio", areas)
    return (organisation, technology) if organisation and technology else ()
