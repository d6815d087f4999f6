"""Character n-grams beside the sentence vectors, for routing: the words people use for a remit.

The e5 classifier learns what a question is about, but a new author's words ("Drucker",
"Zugang", "Förderantrag", "Passwort", with typos and without umlauts) carry the remit too,
and a small sentence model blurs them. A logistic regression over the TF-IDF of character 2-
to 4-grams within words (sublinear term frequency, smoothed idf, unit length, as scikit-learn's
``char_wb``) catches them through spelling variants and compounds. Routing averages the two
classifiers' probabilities (``matching.routing``).

Chosen by 5-fold cross-validation on the seed set and on the dev half of the routing set
together (bench/routing.py, bench/relevance.py): n-grams 2-4 over 3-5, C 10 over 1 and 3,
weight 0.5 over 0.2, 0.35 and 0.65. Seed CV accuracy 0.804 -> 0.868 and wrong single role
0.154 -> 0.099; dev 0.907 -> 0.965 and 0.047 -> 0.012. Reported, not chosen on: the test half
0.919 -> 0.919 (wrong single 0.027 both), the blind set B 0.81 -> 0.86 (0.14 -> 0.11).

The fitted model is plain arrays (vocabulary, idf, weights), kept with the model folder like
the e5 classifier (``matching.kept``): a one-shot `ideenlotse route` needs neither
scikit-learn nor SciPy, only this module.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALLEST, LARGEST = 2, 4  # n-gram lengths
LEXICAL_C = 10.0  # inverse L2 strength
LEXICAL_WEIGHT = 0.5  # its share of the routing probabilities


def grams(text: str) -> Counter[str]:
    """Character n-grams of each word, padded with a space on both sides ("Akte" -> " A",
    "Ak", ..., "te "), lower-cased; a padded word shorter than n counts once whole."""
    found: Counter[str] = Counter()
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(SMALLEST, LARGEST + 1):
            if len(padded) <= n:
                found[padded] += 1
                break
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


@dataclass(frozen=True)
class LexicalModel:
    """The fitted n-gram classifier: its vocabulary, idf and logistic regression."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (grams,)
    coef: np.ndarray  # (classes, grams), or (1, grams) for two classes
    intercept: np.ndarray

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's known n-grams (indices) and their unit-length TF-IDF values."""
        counts = [(self.vocabulary[g], n) for g, n in grams(text).items() if g in self.vocabulary]
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        index = np.array([i for i, _ in counts], dtype=np.int64)
        values = np.array([1.0 + math.log(n) for _, n in counts]) * self.idf[index]
        return index, values / np.linalg.norm(values)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """As scikit-learn's ``predict_proba`` on the same features: a softmax."""
        rows = []
        for text in texts:
            index, values = self.features(text)
            rows.append(self.coef[:, index] @ values + self.intercept)
        scores = np.array(rows)
        if len(self.classes) == 2:  # one row of weights: a sigmoid
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))

    def arrays(self) -> dict[str, np.ndarray]:
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "classes": np.array(self.classes),
            "grams": np.array(ordered),
            "idf": self.idf,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LexicalModel:
        vocabulary = {str(g): i for i, g in enumerate(arrays["grams"])}
        classes = tuple(str(c) for c in arrays["classes"])
        return cls(classes, vocabulary, arrays["idf"], arrays["coef"], arrays["intercept"])


def fit_lexical(
    texts: Sequence[str], labels: Sequence[str], weights: Sequence[float]
) -> LexicalModel:
    """Vocabulary and idf from ``texts``, then the regression (scikit-learn, only here)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counted = [grams(text) for text in texts]
    frequency = Counter(g for found in counted for g in found)
    vocabulary = {g: i for i, g in enumerate(sorted(frequency))}
    idf = np.array([math.log((1 + len(texts)) / (1 + frequency[g])) + 1.0 for g in vocabulary])
    model = LexicalModel((), vocabulary, idf, np.zeros((0, len(vocabulary))), np.zeros(0))
    data, columns, pointers = [], [], [0]
    for text in texts:
        index, values = model.features(text)
        data.extend(values.tolist())
        columns.extend(index.tolist())
        pointers.append(len(data))
    matrix = csr_matrix((data, columns, pointers), shape=(len(texts), len(vocabulary)))
    fitted = LogisticRegression(C=LEXICAL_C, max_iter=3000)
    fitted.fit(matrix, list(labels), sample_weight=np.asarray(weights))
    classes = tuple(str(c) for c in fitted.classes_)
    return LexicalModel(classes, vocabulary, idf, fitted.coef_, fitted.intercept_)
