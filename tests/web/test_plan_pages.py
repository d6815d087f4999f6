"""The city's plans in the Lagebild: the overview's agenda goals, an idea's project.

Read from the links an idea got when it came in; here they are made directly, so the test
shows what the pages make of them, whatever the (fake) encoder would have linked.
"""

from __future__ import annotations

from knowledge.plans import NewPlanItem
from tests.web.conftest import Stage

NOW = "2026-01-01T00:00:00+00:00"


def plan(stage: Stage) -> None:
    items = (
        NewPlanItem("agenda", "A1", "Digitale Services"),
        NewPlanItem("agenda", "A2", "Digitale Verwaltung intern"),
        NewPlanItem("project", "P-1", "E-Rechnung einführen", owner="dirk", status="laufend",
                    goal="A2"),
    )  # fmt: skip
    with stage.app.store.transaction() as store:
        for item in items:
            store.upsert_plan_item(item, NOW)


def test_the_overview_counts_ideas_per_goal_and_names_goals_without(stage: Stage) -> None:
    plan(stage)
    stage.say("anna", "!idee Eingangsrechnungen als E-Rechnung annehmen")
    with stage.app.store.transaction() as store:
        store.link_idea_to_plan(1, "P-1", 0.6, None, NOW)
    session = stage.session(stage.link("carola"))
    status, _, body = stage.request("GET", "/", cookie=session)
    assert status == 200 and "Ziele der Digitalen Agenda" in body
    assert '<th scope="row">Digitale Verwaltung intern (A2)</th><td>1</td>' in body
    assert "Noch keine Idee sicher zugeordnet: Digitale Services." in body


def test_an_idea_page_names_its_project_and_contact(stage: Stage) -> None:
    plan(stage)
    stage.say("anna", "!idee Eingangsrechnungen als E-Rechnung annehmen")
    stage.say("anna", "!idee Kantine bargeldlos bezahlen")
    with stage.app.store.transaction() as store:
        store.link_idea_to_plan(1, "P-1", 0.6, None, NOW)
    session = stage.session(stage.link("anna"))
    _, _, linked = stage.request("GET", "/ideen/1", cookie=session)
    assert "E-Rechnung einführen (P-1) – laufend, Ansprechperson: dirk" in linked
    _, _, other = stage.request("GET", "/ideen/2", cookie=session)
    assert "Projekt dazu" not in other


def test_without_a_plan_the_overview_has_no_agenda(stage: Stage) -> None:
    session = stage.session(stage.link("carola"))
    _, _, body = stage.request("GET", "/", cookie=session)
    assert "Ziele der Digitalen Agenda" not in body
