"""Which questions ask about a project's plan, and which about a system in use."""

from __future__ import annotations

import pytest

from matching.plans import PlanHit, PlanThresholds, for_question
from matching.question_intent import about_plans, asks_permission

TH = PlanThresholds(project=0.6, goal=0.6, system=0.6, question_system=0.5, question_project=0.62)


@pytest.mark.parametrize(
    "text",
    [
        "Wann kommt die E-Akte zu uns ins Standesamt?",
        "Können wir beim Pilot für die Softphones mitmachen?",
        "Wer bezahlt eigentlich die neuen Access Points?",
        "Gibt es schon Schulungstermine für die digitale Personalakte?",
        "Wie ist der Stand beim WLAN-Ausbau?",
    ],
)
def test_questions_about_time_turn_money_or_training_are_about_plans(text: str):
    assert about_plans(text)


@pytest.mark.parametrize(
    "text",
    [
        "Das DMS startet nicht mehr",
        "Wann wurde mein Passwort für LOGA gesperrt?",  # a plan word, but an access fault
        "Outlook hängt bei großen Anhängen",
        "Wann geht die E-Akte wieder?",  # an outage, not the rollout
        "Seit wann ist das WLAN im Ratssaal nicht erreichbar?",
        "Wie drucke ich aus der Finanzsoftware eine Liste offener Posten?",
        "Wie stelle ich im Kalender eine Abwesenheit ein?",  # no "Einstellung" for "Einführung"
    ],
)
def test_faults_accesses_and_how_tos_are_not(text: str):
    assert not about_plans(text)


def hits(project: float, system: float) -> list[PlanHit]:
    return [PlanHit("P-2", "project", project, project), PlanHit("S-1", "system", system, system)]


def test_a_question_about_plans_goes_to_the_project_though_the_system_is_named():
    chosen = for_question(hits(0.7, 1.05), "cdo", TH, about_plans=True)
    assert chosen.kind == "project" and chosen.item is not None and chosen.item.key == "P-2"
    # the same scores for a fault: the system's
    assert for_question(hits(0.7, 1.05), "cdo", TH).kind == "system"
    # a project only vaguely meant does not take it
    assert for_question(hits(0.5, 1.05), "cdo", TH, about_plans=True).kind == "system"


def test_without_words_about_plans_a_project_takes_a_question_only_by_name():
    assert for_question(hits(0.9, 0.2), "cdo", TH).kind is None
    assert for_question(hits(1.05, 0.2), "cdo", TH).kind == "project"
    assert for_question(hits(1.05, 0.2), "cio", TH).kind == "project"
    # a fault the router gives to the CIO alone is the CIO's
    assert for_question(hits(1.05, 0.2), "cio", TH, reports_fault=True).kind is None


def test_a_question_about_plans_naming_a_system_goes_to_the_project_bringing_it():
    named = [
        PlanHit("P-12", "project", 0.55, 0.55),
        PlanHit("P-2", "project", 0.5, 0.5),
        PlanHit("S-1", "system", 1.05, 0.5, ("E-Akte",)),
    ]
    touching = {"S-1": ("P-2",)}
    chosen = for_question(named, "cdo", TH, about_plans=True, projects_of=touching)
    assert chosen.item is not None and chosen.item.key == "P-2"
    assert for_question(named, "cdo", TH, projects_of=touching).kind == "system"  # a fault


def test_a_question_naming_a_project_goes_to_it_unless_it_reports_a_fault():
    """Trial 17: "Bekommt die Oberschule dieses Jahr noch Tablets aus dem Digitalpakt?" went
    to the school IT system, though "Digitalpakt" is the project's name."""
    named = [
        PlanHit("P-6", "project", 1.05, 0.5, ("Digitalpakt",)),
        PlanHit("S-14", "system", 0.6, 0.6),
    ]
    assert for_question(named, "cio", TH).item.key == "P-6"  # type: ignore[union-attr]
    assert for_question(named, "cio", TH, reports_fault=True).kind == "system"


def test_a_question_naming_two_systems_goes_to_both():
    two = [
        PlanHit("S-3", "system", 1.08, 0.6, ("E-Rechnungseingang",)),
        PlanHit("S-2", "system", 1.05, 0.5, ("proDoppik",)),
        PlanHit("S-1", "system", 0.7, 0.7),  # only meant: not told
    ]
    chosen = for_question(two, "cio", TH, reports_fault=True)
    assert chosen.item is not None and chosen.item.key == "S-3"
    assert [h.key for h in chosen.also] == ["S-2"]


def test_whether_something_is_allowed_is_no_system_owner_s_question():
    """Trial 19: "Dürfen wir Meldedaten per E-Mail an das Standesamt schicken?" went to the
    owner of the e-mail system."""
    assert asks_permission("Dürfen wir Meldedaten per E-Mail an das Standesamt schicken?")
    assert not asks_permission("Darf ich das Passwort zurücksetzen? Ich bin gesperrt")
    mail = [PlanHit("S-12", "system", 1.05, 0.5, ("E-Mail",))]
    assert for_question(mail, "both", TH, asks_permission=True).kind is None
    assert for_question(mail, "both", TH).kind == "system"
