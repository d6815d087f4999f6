"""The routing seed set is well-formed and varied enough to learn from (no model needed)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from importlib import resources

import pytest

from matching.reasons import terms
from matching.routing import AREAS, LABELS, SEED_FILE, seed_examples

KINDS = ("clear", "border")
QUESTION_WORDS = {"wer", "wie", "was", "welche", "welcher", "welches", "wann", "gibt", "mich"}


def rows() -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(SEED_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_columns_are_text_label_kind_area() -> None:
    text = resources.files("matching").joinpath(SEED_FILE).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "text,label,kind,area"


def test_areas_come_from_the_catalogue_and_fit_the_label() -> None:
    for row in rows():
        areas = [a for a in row["area"].split(";") if a]
        assert all(a in AREAS for a in areas), row
        if row["label"] != "both":
            assert all(AREAS[a] == row["label"] for a in areas), row
    per_area = Counter(a for row in rows() for a in row["area"].split(";") if a)
    assert min(per_area[a] for a in AREAS) >= 12, per_area


def test_every_row_has_a_valid_label_and_kind() -> None:
    for row in rows():
        assert row["label"] in LABELS, row
        assert row["kind"] in KINDS, row
        assert row["text"] == row["text"].strip() and row["text"], row
        assert "\n" not in row["text"], row


def test_no_duplicate_questions_even_modulo_case_and_punctuation() -> None:
    counts = Counter(normalised(row["text"]) for row in rows())
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(("label", "minimum"), [("cdo", 80), ("cio", 80), ("both", 35)])
def test_each_label_has_enough_examples(label: str, minimum: int) -> None:
    assert sum(row["label"] == label for row in rows()) >= minimum


def test_size_and_border_cases() -> None:
    data = rows()
    assert len(data) >= 200
    assert all(row["kind"] == "border" for row in data if row["label"] == "both")
    # border cases that still belong to one role teach the model where the line runs
    assert sum(row["kind"] == "border" and row["label"] != "both" for row in data) >= 10


def test_no_word_gives_a_label_away() -> None:
    """Varied wording: no content word appears in more than a fifth of one label's texts."""
    for label in LABELS:
        texts = [row["text"] for row in rows() if row["label"] == label]
        counts = Counter(w for t in texts for w in set(terms(t)) if w not in QUESTION_WORDS)
        word, n = counts.most_common(1)[0]
        assert n / len(texts) <= 0.2, (label, word)


def test_written_like_chat_mixed_style() -> None:
    texts = [row["text"] for row in rows()]
    with_mark = sum(t.endswith("?") for t in texts)
    assert 0.05 * len(texts) < len(texts) - with_mark  # some without "?"
    assert sum(t[0].islower() for t in texts) >= 5  # some typed in lower case
    assert min(len(t) for t in texts) < 40 < 100 < max(len(t) for t in texts)


def test_seed_examples_reads_the_same_rows() -> None:
    examples = seed_examples()
    assert [(e.text, e.label) for e in examples] == [(r["text"], r["label"]) for r in rows()]
