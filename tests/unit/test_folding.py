from __future__ import annotations

import pytest

from knowledge.folding import fold, fts_query, search_terms


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Bürgerbüro", "buergerbuero"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("Öffnungszeiten", "oeffnungszeiten"),
        ("Café", "cafe"),
        ("FD 20", "fd 20"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_search_terms_drop_short_words_and_repeats() -> None:
    assert search_terms("Die E-Akte in der e-akte!") == ["die", "akte", "der"]
    assert search_terms("a b") == []


def test_fts_query_quotes_every_term() -> None:
    assert fts_query(["akte", 'ab"c']) == '"akte" AND "ab""c"'
    assert fts_query(["akte", "or"], any_term=True) == '"akte" OR "or"'
