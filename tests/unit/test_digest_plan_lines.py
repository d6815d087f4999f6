"""The plans section of the digest as the CDO reads it."""

from __future__ import annotations

from bot.digest_plans import (
    GoalCount,
    PlanSection,
    ProjectMove,
    plans_markdown,
    project_moves,
    section_lines,
)
from bot.i18n import Translator


def test_a_goal_without_ideas_in_either_period_is_named_once() -> None:
    """Trial 9 read "A4 …: 0 (±0)" and right below it "Keine neue Idee …: A4 …"."""
    goals = (
        GoalCount("A1", "Bürgerservice", 2, 1),
        GoalCount("A2", "Verwaltung intern", 0, 3),  # fell to none: the change is news
        GoalCount("A4", "Kompetenzen", 0, 0),
    )
    lines = [text for _, text in section_lines(PlanSection(goals, (), (), ()), Translator("de"))]
    assert "A1 Bürgerservice: 2 (+1)" in lines and "A2 Verwaltung intern: 0 (-3)" in lines
    assert sum("A4" in line for line in lines) == 1
    assert "Keine neue Idee sicher zugeordnet: A2 Verwaltung intern, A4 Kompetenzen" in lines


def test_the_chat_lists_ten_ideas_without_a_goal_and_a_file_all() -> None:
    """Trial 25: the file export also ended in "und 3 weitere", with no way to see them."""
    no_goal = tuple((n, f"Idee Nummer {n}") for n in range(1, 14))
    section = PlanSection((), (), (), no_goal)
    short = plans_markdown(section, Translator("de"))
    assert "#10" in short and "#11" not in short and "und 3 weitere" in short
    complete = plans_markdown(section, Translator("de"), complete=True)
    assert "#13" in complete and "weitere" not in complete


def test_project_statuses_set_in_the_period_are_news_once_per_project() -> None:
    """Trial 25: P-11 and P-9 were set in chat and the digest said nothing of it."""
    titles = {"P-9": "Telefonanlage", "P-11": "E-Payment"}
    changes = [
        ("P-11", "pausiert", "laufend"),
        ("P-9", "geplant", "pausiert"),
        ("P-9", "pausiert", "geplant"),  # set back: nothing happened
        ("P-99", "geplant", "laufend"),  # no longer in the plan
    ]
    moves = project_moves(changes, titles)
    assert moves == (ProjectMove("P-11", "E-Payment", "pausiert", "laufend"),)
    lines = section_lines(PlanSection((), (), (), (), moves), Translator("de"))
    assert lines[-2:] == [
        (1, "Projekte mit neuem Stand"),
        (2, "P-11 E-Payment: pausiert → laufend"),
    ]
