"""The plans section of the digest as the CDO reads it."""

from __future__ import annotations

from bot.digest_plans import GoalCount, PlanSection, section_lines
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
