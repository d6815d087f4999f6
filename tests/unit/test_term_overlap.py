"""The lexical half of plan and `!wer` scores: rare shared words count, common ones little."""

from __future__ import annotations

from matching.term_overlap import TermWeights

CORPUS = [
    "Digitaler Rechnungseingang in der Kämmerei",
    "Digitale Terminvergabe im Bürgerbüro",
    "Digitale Schulungen für alle Beschäftigten",
    "Gewerbeanmeldung und Hundesteuer online beantragen",
]


def test_a_rare_shared_word_outweighs_a_common_one() -> None:
    weights = TermWeights(CORPUS)
    rare, common = weights.scores("Gewerbeanmeldung digital", [CORPUS[3], CORPUS[1]])
    assert rare > common > 0


def test_a_compound_part_is_shared_and_no_shared_word_scores_nothing() -> None:
    weights = TermWeights(CORPUS)
    invoice, nothing = weights.scores("Jede Rechnung dreimal prüfen", [CORPUS[0], CORPUS[2]])
    assert invoice > 0 and nothing == 0


def test_a_long_text_does_not_win_by_length() -> None:
    weights = TermWeights(CORPUS)
    short = weights.scores("Hundesteuer online", [CORPUS[3]])[0]
    long = weights.scores(
        "Hundesteuer online, und außerdem Kantine, Parkplatz, Kaffeemaschine, Drucker", [CORPUS[3]]
    )[0]
    assert short > long
