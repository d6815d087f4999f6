"""Offices named in a text: an answer for one office is not offered to another."""

from __future__ import annotations

import pytest

from matching.places import offices, offices_meant, same_office


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Wann kommt die E-Akte zu uns ins Standesamt?", {"standesamt"}),
        ("Das Bauamt (Bauordnung) ist 2027 dran", {"bauamt", "bauordnung"}),
        ("Im FD 32 und im Fachdienst 20", {"fd 32", "fd 20"}),
        ("Kämmerei und Bürgerbüro", {"kämmerei", "bürgerbüro"}),
        ("Die Schnittstelle zur Benutzerverwaltung ist insgesamt langsam", set()),
        ("Ehrenamt digital unterstützen", set()),
    ],
)
def test_offices_are_the_units_a_text_names(text: str, named: set[str]) -> None:
    assert offices(text) == named


def test_an_answer_holds_unless_both_name_other_offices() -> None:
    assert same_office(frozenset({"bauamt"}), frozenset({"bauamt", "bauordnung"}))
    assert not same_office(frozenset({"standesamt"}), frozenset({"bauamt"}))
    assert same_office(frozenset(), frozenset({"bauamt"}))
    assert same_office(frozenset({"standesamt"}), frozenset())


def test_zu_uns_in_a_question_about_a_project_means_the_asker_s_office() -> None:
    assert offices_meant("Wann kommt die E-Akte zu uns?", "Standesamt") == {"standesamt"}
    assert offices_meant("Wann kommt die E-Akte zu uns?", "FD 32") == {"fd 32"}
    assert offices_meant("Wann kommt die E-Akte ins Bauamt?", "Standesamt") == {"bauamt"}
    # without "uns" the question is everybody's, and a fault is no question of turn
    assert offices_meant("Wann bekommen die Schulen Tablets?", "Bürgerbüro") == set()
    assert offices_meant("Bei uns startet die E-Akte nicht", "Standesamt") == set()
