"""Which declared interests an idea names: the evidence that lets a colleague be suggested."""

from __future__ import annotations

from matching.people import names


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


def test_by_modifier_only_where_the_compound_s_last_part_says_that_it_is_run() -> None:
    """Trial 15: "Terminvergabe" for an idea about entering "Außentermine" afterwards."""
    assert not names("Außentermine selbst nachtragen", "Terminvergabe", by_modifier=True)
    assert names("Haushalt digital aufstellen", "Haushaltsplanung", by_modifier=True)
