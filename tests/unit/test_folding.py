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
    assert search_terms("Die E-Akte in der e-akte!") == ["die", "e-akte", "akte", "der"]
    assert search_terms("a b") == []


def test_a_hyphenated_word_keeps_a_short_part_with_its_neighbour() -> None:
    assert search_terms("E-Rechnungen IT-Sicherheit") == [
        "e-rechnung",
        "rechnung",
        "it-sicherheit",
        "sicherheit",
    ]
    assert search_terms("Online-Termine Kita-U3") == ["onlin", "termin", "kita", "kita-u3"]


def test_search_terms_are_the_part_all_forms_share() -> None:
    assert search_terms("Urlaubsanträgen Urlaubsantrag") == ["urlaubsantra", "urlaubsantrag"]
    assert search_terms("Passwörter Fahrräder Rechnungen") == ["passwo", "fahrra", "rechnung"]
    assert search_terms("Kitas Akten Schulen") == ["kita", "akte", "schul"]
    # a real umlaut stays, a short stem keeps the word whole
    assert search_terms("Bürger Steuern Feuerwehr Daten") == [
        "buerg",
        "steuer",
        "feuerwehr",
        "date",
    ]


def test_fts_query_quotes_every_term() -> None:
    assert fts_query(["akte", 'ab"c']) == '"akte" AND "ab""c"'
    assert fts_query(["akte", "or"], any_term=True) == '"akte" OR "or"'
