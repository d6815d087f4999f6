"""The packaged synonyms: OpenThesaurus's noun groups, read once, symmetric."""

from __future__ import annotations

from matching.synonyms import synonyms


def test_words_of_one_meaning_know_each_other() -> None:
    assert "eheschließung" in synonyms("hochzeit") and "hochzeit" in synonyms("eheschließung")
    assert "ferien" in synonyms("urlaub")


def test_an_unknown_word_or_the_file_header_has_none() -> None:
    assert synonyms("ideenlotse") == frozenset()
    assert not any(word.startswith("#") for word in synonyms("hochzeit"))
