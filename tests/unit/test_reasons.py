"""Reasons people read: whole words and real compound parts, never stopwords or cut stems."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching.reasons import (
    as_written_properly,
    compound_parts,
    lemma,
    shared_terms,
    stopwords,
    terms,
)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Fahrradstellplatz", ("Fahrrad", "Stellplatz")),
        ("Eingangsrechnung", ("Eingang", "Rechnung")),
        ("Terminvergabe", ("Termin", "Vergabe")),
        ("Urlaubsantrag", ("Urlaub", "Antrag")),
        ("Rathaus", ("Rathaus",)),  # "Rat" + "Haus": too short a part to be a reason
        ("WLAN", ("WLAN",)),
        ("elektronisch", ("elektronisch",)),  # not "Elektron" + "Isch": an ending, no word
        ("Ordnungsamt", ("Ordnungsamt",)),  # not "Ordnung" + "Samt": a linking s (trial 7)
        ("Rechnungsamt", ("Rechnungsamt",)),
        ("Arbeitstag", ("Arbeitstag",)),  # not "Arbeit" + "Stag"
        ("Arbeitsplatz", ("Arbeit", "Platz")),
        ("Leistungsbeschreibung", ("Leistung", "Beschreibung")),  # not "Besch" + "Reibung"
        ("Dokumente", ("Dokumente",)),  # not "Doku" + "Mente"
        ("Gründung", ("Gründung",)),  # not "Grün" + "Dung"
        ("Verbrauch", ("Verbrauch",)),  # not "Verb" + "Rauch"
        ("Datenschutz", ("Datenschutz",)),  # not "Date" + "Schutz": "Daten" is no "Date"+n
        ("Straßenlaterne", ("Straße", "Laterne")),  # "Straßen" is "Straße" + n
        ("Digitalschulungen", ("Digital", "Schulung")),  # a plural head, as its lemma
        ("Telefonanlagen", ("Telefon", "Anlage")),
    ],
)
def test_compounds_split_into_real_words(word: str, parts: tuple[str, ...]) -> None:
    assert compound_parts(word) == parts


def test_terms_are_lemmas_without_stopwords() -> None:
    found = terms("Bürger sollten Termine im Bürgeramt online buchen können, per SMS")
    assert "Termin" in found and "Bürgeramt" in found
    assert not {"sollten", "im", "können", "per"} & {t.lower() for t in found}


@pytest.mark.parametrize(
    ("a", "b", "expected", "absent"),
    [
        (
            "Online-Terminvergabe für das Bürgerbüro mit Erinnerung per SMS",
            "Bürger sollten Termine im Bürgeramt online buchen können und eine Erinnerung "
            "aufs Handy bekommen",
            {"Erinnerung", "Termin"},
            {"per", "erinne", "Erinne"},
        ),
        ("Eingangsrechnungen digital freigeben", "E-Rechnung mit Workflow", {"Rechnung"}, set()),
        ("Urlaubsanträge digital stellen", "Urlaub", {"Urlaub"}, set()),
        ("WLAN im Rathaus", "Fahrradstellplätze vor dem Rathaus", {"Rathaus"}, {"WLAN"}),
    ],
)
def test_shared_terms_are_words_both_texts_contain(
    a: str, b: str, expected: set[str], absent: set[str]
) -> None:
    shared = shared_terms(a, b)
    assert expected <= set(shared), shared
    assert not absent & set(shared)
    for term in shared:
        assert term.lower() not in stopwords()
        assert lemma(term) == term or term[0].islower()  # a dictionary form, not a stem


def test_a_first_half_of_compounds_in_both_is_no_reason() -> None:
    # trial 13: "gemeinsame Begriffe: Dienst"; a word of its own on one side still counts
    assert shared_terms("Dienstreisen online abrechnen", "Dienstvereinbarung zum mobilen") == []
    assert shared_terms("Ratsunterlagen kommen per Post", "Der Posteingang wird gescannt") == [
        "Post"
    ]
    assert shared_terms("Rechnungseingang digital", "Rechnungen auf Papier") == ["Rechnung"]


def test_a_compound_holds_its_head_split_again() -> None:
    # trial 16: an interest "Haushalt" was not found in an idea about a "Bürgerhaushalt"
    assert shared_terms("Ein Bürgerhaushalt für Springe", "Haushalt") == ["Haushalt"]


def test_nothing_shared_gives_no_terms() -> None:
    assert shared_terms("Hundesteuer online zahlen", "Mehr Grün auf dem Schulhof") == []


def test_the_kept_dictionary_gives_the_shipped_lemmas(tmp_path: Path) -> None:
    """One-shot commands read simplemma's dictionary as a trie (it opens in milliseconds);
    lemmas, known words and compound parts must stay exactly those of the shipped form."""
    import simplemma

    import matching.reasons as reasons

    words = [
        "Termine",
        "Terminvergabe",
        "Bürgerämter",
        "erinnerte",
        "Fahrradstellplätze",
        "Rechnungen",
        "per",
    ]
    shipped = [(simplemma.lemmatize(w, lang="de"), simplemma.is_known(w, lang="de")) for w in words]
    reasons.keep_dictionary_in(tmp_path / "lemmas")
    try:
        kept = [(reasons.lemma(w), reasons._lemmatizer()[1].get_lemma(w, "de") is not None)
                for w in words]  # fmt: skip
        assert kept == shipped
        assert compound_parts("Fahrradstellplatz") == ("Fahrrad", "Stellplatz")
        assert (tmp_path / "lemmas" / "de.dic").is_file()
        assert not list((tmp_path / "lemmas").glob(".*"))  # no temporary file left behind
    finally:
        reasons.keep_dictionary_in(None)


@pytest.mark.parametrize(
    ("word", "shown"),
    [
        ("laternen", "Laternen"),
        ("bürger", "Bürger"),
        ("eingang", "Eingang"),
        ("sachlich", "sachlich"),
        ("digital", "digital"),
        ("online", "online"),
        ("WLAN", "WLAN"),
        ("E-Akte", "E-Akte"),
    ],
)
def test_a_noun_written_in_lower_case_is_shown_capitalised(word: str, shown: str) -> None:
    """Trial 9: the digest named a theme "laternen, bürger, Foto" as a hasty post spelled it."""
    assert as_written_properly(word) == shown


def test_shared_terms_of_lower_case_posts_are_spelled_properly() -> None:
    terms = shared_terms(
        "kaputte laternen melden, dann kommt der bauhof", "laternen sind kaputt, der bauhof muss"
    )
    assert {"Laterne", "Bauhof"} <= set(terms)


def test_shared_nouns_are_the_reason_and_other_words_only_without_them() -> None:
    """Trial 9: "gemeinsame Begriffe: Fachdienst, Rechnung, sachlich", "automatisch, Zahlung"."""
    assert shared_terms(
        "Rechnungen werden sachlich geprüft und laufen durch jeden Fachdienst",
        "Im Fachdienst laufen Rechnungen sachlich falsch",
    ) == ["Rechnung"]
    assert shared_terms("Formulare barrierefrei machen", "Webseite barrierefrei gestalten") == [
        "barrierefrei"
    ]


def test_the_organisation_s_own_nouns_are_no_reason() -> None:
    """Trial 16: "gemeinsame Begriffe: Fachdienst, Arbeit" for two unrelated ideas."""
    assert shared_terms("Der Fachdienst Bauen braucht Tablets", "Fachdienst Soziales: E-Akte") == []
    assert shared_terms("Telearbeit ausweiten", "Arbeitszeit digital erfassen") == []
    assert shared_terms("Im Bereich Jugend Tablets", "Bereich Kita: Tablets für alle") == ["Tablet"]


def test_a_word_most_ideas_use_is_no_reason() -> None:
    """Trial 12: a project was shown for an idea "because" of "Online"."""
    assert shared_terms("Dienstreisen online beantragen", "Termine online buchen") == []
    assert shared_terms("Termine online buchen", "Online-Terminvergabe im Bürgerbüro") == ["Termin"]


def test_the_first_part_of_a_shortened_compound_is_no_term() -> None:
    """Trial 26: "Geburts-, Ehe- und Sterbeurkunden" gave the reason "Geburts"."""
    from matching.cluster_terms import words

    text = "Geburts-, Ehe- und Sterbeurkunden online bestellen"
    assert words(text) == ["Sterbeurkunden", "online", "bestellen"]
    assert "E-Akte" in words("Die E-Akte und das Open-Data-Portal")  # hyphenated words stay
    from matching.reasons import shared_terms, terms

    both = ("Geburts-, Ehe- und Sterbeurkunden online", "Geburts- und Impfnachweis hochladen")
    assert shared_terms(*both) == []
    assert "Haushalt" in terms("Haushalts-, Kassen- und Rechnungswesen")  # matching keeps it


def test_a_verb_is_not_split_into_a_reason() -> None:
    """Trial 31: "zurücksetzen" and "festlegen" gave the reasons "Setzen" and "Legen", and
    "extra" (an adverb) was a reason of its own."""
    assert shared_terms("Das Passwort selbst zurücksetzen", "Regeln neu setzen") == []
    assert shared_terms("Einen Stichtag festlegen", "Jeder legt Ordner anders an") == []
    assert shared_terms("ein extra Notebook", "ohne extra in den Raum zu gehen") == []
    assert sorted(shared_terms("Posteingang scannen", "Eingang der Post zählen")) == [
        "Eingang",
        "Post",
    ]
