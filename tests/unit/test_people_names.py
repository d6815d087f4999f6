"""Which declared interests an idea names: the evidence that lets a colleague be suggested."""

from __future__ import annotations

import numpy as np
import pytest

from matching.people import Profile, Wording, asked_topic, names, rank_people


def test_an_idea_names_an_interest_by_its_words_or_compound_parts() -> None:
    assert names("Die Zeiterfassung sollte Urlaub kennen", "Zeiterfassung")
    assert names("Das Zeiterfassungssystem hakt", "Zeiterfassung")
    assert not names("Urlaub digital beantragen", "Urlaubsplanung")


def test_by_modifier_a_compound_interest_is_named_by_its_first_part() -> None:
    """Trials 17 and 18: ideas about "Urlaub" and the "Urlaubsplan" did not reach the
    colleague interested in "Urlaubsplanung"."""
    assert names("Urlaub am PC beantragen", "Urlaubsplanung", by_modifier=True)
    assert names("Der Urlaubsplan hängt an der Wand", "Urlaubsplanung", by_modifier=True)
    # a short or common first part is no evidence
    assert not names("Die Akte liegt im Amt", "Aktenplan", by_modifier=True)
    assert not names("Formulare online stellen", "Onlinedienste", by_modifier=True)
    # nor the head of another compound (trial 22: "Dienstplan" for a "Fachdienst")
    assert not names("Einheitlicher Aktenplan für alle Fachdienste", "Dienstplan", by_modifier=True)


def test_by_modifier_only_where_the_compound_s_last_part_says_that_it_is_run() -> None:
    """Trial 15: "Terminvergabe" for an idea about entering "Außentermine" afterwards."""
    assert not names("Außentermine selbst nachtragen", "Terminvergabe", by_modifier=True)
    assert names("Haushalt digital aufstellen", "Haushaltsplanung", by_modifier=True)


def test_a_topic_as_asked_names_an_interest_despite_question_words_and_typos() -> None:
    """`!wer` as people type it: people sets B and D missed "kitaplatz", "Bebaungsplan" and
    "jemand Ahnung von Schul-WLAN?" though an interest said so."""
    assert names("Kita-Platzvergabe", "kitaplatz", synonyms=True, as_asked=True)
    assert names("Bebauungspläne", "Bebaungsplan", synonyms=True, as_asked=True)
    assert names("WLAN", "Schul-WLAN", synonyms=True, as_asked=True)
    # without as_asked, every word counts as typed
    assert not names("Bebauungspläne", "Bebaungsplan", synonyms=True)
    assert not names("WLAN", "Schul-WLAN", synonyms=True)


@pytest.mark.parametrize(
    ("asked", "topic"),
    [
        ("hat jemand Ahnung von E-Rechnung?", "E-Rechnung"),  # trial 20
        ("wer kümmert sich um die Homepage", "Homepage"),
        ("kennt sich mit Zeiterfassung aus?", "Zeiterfassung"),
        ("Wer weiß was über Bauanträge?", "Bauanträge"),
        ("jemand Ahnung von Schul-WLAN?", "Schul-WLAN"),
        # a topic that is no question keeps its words
        ("Arbeiten von zu Hause", "Arbeiten von zu Hause"),
        ("Tablets für Schulen", "Tablets für Schulen"),
        ("Wer?", "Wer?"),
    ],
)
def test_a_topic_asked_as_a_question_loses_the_words_around_it(asked: str, topic: str) -> None:
    assert asked_topic(asked) == topic


def test_a_topic_as_asked_stays_strict_where_it_would_name_something_else() -> None:
    # a hyphenated topic's last part names a whole declared interest, not a compound part
    # ("Kita-Anmeldung" is no "Gewerbeanmeldung") nor a word of an idea
    assert not names("Gewerbeanmeldung", "Kita-Anmeldung", synonyms=True, as_asked=True)
    assert not names("Mails kommen doppelt an", "Phishing-Mails", as_asked=True)
    # one letter off only in long words: "Parkplatz" is no "Marktplatz"
    assert not names("Marktplatz", "Parkplatz", synonyms=True, as_asked=True)
    assert not names("Schulbus", "Schulbau", synonyms=True, as_asked=True)
    # a closed compound needs all its parts
    assert not names("Kita-Anmeldung", "Kitaplatz", synonyms=True, as_asked=True)


def test_one_letter_off_is_a_typo_two_are_another_word() -> None:
    assert names("Winterdienst", "Winterdinst", synonyms=True, as_asked=True)
    assert not names("Artenschutz", "Datenschutz", synonyms=True, as_asked=True)


def test_a_doubled_consonant_is_a_typo_in_shorter_words_too() -> None:
    """Trial 21: `!wer Tabletts` (lemmatised "Tablett") found nobody with "Tablets"."""
    assert names("Tablets für den Außendienst", "Tabletts", as_asked=True)
    assert names("Adresse pflegen", "Addresse", as_asked=True)
    assert not names("Tablets", "Tabletts")  # only as typed into `!wer`


def test_a_synonym_names_a_whole_word_not_a_compound_part() -> None:
    """People set C: "Wasser", a synonym of "Trinkwasser", is a part of "Hochwasser"."""
    assert not names("Hochwasser", "Trinkwasser", synonyms=True, as_asked=True)
    assert names("Eheschließungen", "Hochzeiten", synonyms=True, as_asked=True)


def test_who_names_the_topic_is_listed_and_the_merely_close_are_not() -> None:
    """Trial 20: `!wer E-Rechnung` listed "Benutzerverwaltung" and "Dienstpläne" (close by
    cosine, as short terms are) above "Rechnungsbearbeitung", which names it."""
    close, far = np.array([1.0, 0.0], np.float32), np.array([0.935, 0.3546], np.float32)
    far /= np.linalg.norm(far)  # cosine 0.935 with the query: in, but not within reach
    profiles = [
        Profile(1, topics=["Benutzerverwaltung"], topic_vectors=close[None, :]),
        Profile(2, topics=["Rechnungsbearbeitung"], topic_vectors=far[None, :]),
    ]
    query = np.array([1.0, 0.0], np.float32)
    wording = Wording.among("E-Rechnung", profiles, [])
    found = rank_people(query, profiles, min_score=0.93, limit=5, wording=wording)
    assert [(m.person_id, m.named) for m in found] == [(2, True)]
    # nobody names it: the closest are listed
    wording = Wording.among("Zugänge", profiles, [])
    found = rank_people(query, profiles, min_score=0.93, limit=5, wording=wording)
    assert [m.person_id for m in found] == [1]


def test_an_asked_word_names_the_compounds_it_ends() -> None:
    """Trial 26: `!wer Zeiterfassung` missed the interest "Arbeitszeiterfassung"."""
    assert names("Arbeitszeiterfassung", "Zeiterfassung", as_asked=True)
    assert names("Gewerbeanmeldung", "Anmeldung", as_asked=True)
    assert not names("Arbeitszeiterfassung", "Zeiterfassung")  # an idea's words: as before
    assert not names("Zeiterfassung", "Fassung", as_asked=True)  # too short to be a head
    assert not names("Kita-Anmeldung", "Gewerbeanmeldung", as_asked=True)
