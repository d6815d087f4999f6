"""The character n-gram classifier of routing: its features, and the arrays it is kept as."""

from __future__ import annotations

import numpy as np

from matching.routing_lexical import LexicalModel, fit_lexical, grams

TEXTS = [
    "Der Drucker im Bauamt druckt nicht",
    "Mein Passwort ist abgelaufen",
    "Wer plant die Digitalstrategie?",
    "Wer organisiert Schulungen zur E-Akte?",
    "Wer entscheidet über das neue Fachverfahren und wer installiert es?",
]
LABELS = ["cio", "cio", "cdo", "cdo", "both"]


def test_grams_are_padded_per_word_and_lower_cased() -> None:
    found = grams("Akte E")
    assert found[" a"] == 1 and found["te "] == 1 and found[" akt"] == 1
    assert found[" e "] == 1  # a word shorter than the n-gram counts once, whole
    assert "e a" not in found  # never across words


def test_a_kept_model_gives_what_the_fitted_one_gives() -> None:
    fitted = fit_lexical(TEXTS, LABELS, [1.0] * len(TEXTS))
    kept = LexicalModel.from_arrays(fitted.arrays())
    asked = ["Drucker druckt nicht", "Schulung Digitalstrategie", "xyz", ""]
    assert np.allclose(kept.probabilities(asked), fitted.probabilities(asked))
    assert np.allclose(fitted.probabilities(asked).sum(axis=1), 1.0)
    top = fitted.probabilities(["Drucker im Bauamt druckt nicht"])[0].argmax()
    assert fitted.classes[top] == "cio"


def test_probabilities_are_scikit_learns_on_the_same_features() -> None:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    model = fit_lexical(TEXTS, LABELS, [1.0] * len(TEXTS))
    rows = [model.features(text) for text in TEXTS]
    matrix = csr_matrix(
        (
            np.concatenate([v for _, v in rows]),
            np.concatenate([i for i, _ in rows]),
            np.cumsum([0, *(len(i) for i, _ in rows)]),
        ),
        shape=(len(TEXTS), len(model.vocabulary)),
    )
    reference = LogisticRegression(C=10.0, max_iter=3000).fit(matrix, LABELS)
    assert np.allclose(model.probabilities(TEXTS), reference.predict_proba(matrix), atol=1e-6)


def test_two_labels_give_a_sigmoid() -> None:
    model = fit_lexical(TEXTS[:4], LABELS[:4], [1.0] * 4)
    probabilities = model.probabilities(["Drucker kaputt"])
    assert model.classes == ("cdo", "cio") and probabilities.shape == (1, 2)
    assert probabilities[0, 1] > 0.5
