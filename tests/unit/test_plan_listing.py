"""`!projekte` and `!system` on another town's plan, without a model: whole lists, counts in
singular and plural, hints with the plan's own keys, departments as a list.

A CDO of another town tried the commands blind on her own plan (5 fields of action, 16
projects, 19 systems, keys like PRJ-03 and SYS-ZEIT): tests/fixtures/other-town-plan.csv
rebuilds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handlers import plans as handlers
from bot.i18n import Translator
from bot.plans_import import import_plan, read_plan
from knowledge.plans import NewPlanItem
from knowledge.store import Store
from tests.conftest import Say

PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "other-town-plan.csv"
NOW = "2026-11-23T09:00:00+00:00"


@pytest.fixture
def town(store: Store) -> Store:
    report = import_plan(store, read_plan(PLAN), NOW)
    assert not report.errors and len(report.added) == 5 + 16 + 19
    return store


def bullets(text: str) -> list[str]:
    """The keys of the listed items, in order."""
    return [line.split("**")[1] for line in text.splitlines() if line.startswith("• **")]


def test_all_systems_are_listed_without_a_name(town: Store, say: Say) -> None:
    """The trial's list showed 15 of 19 and silently dropped Telefonie, Zeiterfassung, …"""
    [reply] = say("!system")
    assert reply.text.startswith("**Die Systeme der Stadt (19):**")
    assert bullets(reply.text) == [i.key for i in town.plan_items("system")]
    assert "• **SYS-TEL** Telefonie · timo" in reply.text
    assert "• **SYS-ZEIT** Zeiterfassung · birgit" in reply.text
    assert "weitere" not in reply.text


def test_all_projects_are_listed_by_field_of_action(town: Store, say: Say) -> None:
    [reply] = say("!projekte")
    text = reply.text
    assert text.startswith("**Die Projekte der Stadt (16):**")
    assert sorted(bullets(text)) == sorted(i.key for i in town.plan_items("project"))
    assert "weitere" not in text
    # PRJ-16 serves the first field: it is listed there, not at the end
    first_field = text.split("**HF-1 Bürgerservice digital**")[1].split("\n\n")[0]
    assert bullets(first_field) == ["PRJ-01", "PRJ-02", "PRJ-16"]
    assert "**HF-5 Offene und vernetzte Stadt**\n• **PRJ-13** Open-Data-Portal" in text


def test_the_projects_of_one_field_of_action(town: Store, say: Say) -> None:
    """The way to see part of a long list that the hints name."""
    [reply] = say("!projekte hf-3")
    assert reply.text.startswith("**Projekte im Handlungsfeld HF-3 „Sichere IT-Infrastruktur“:**")
    assert bullets(reply.text) == ["PRJ-07", "PRJ-08", "PRJ-09", "PRJ-10"]


@pytest.mark.parametrize(
    ("command", "cap", "last_lines"),
    [
        (
            "!projekte",
            15,
            "… und 1 weiteres Projekt. Die Projekte eines Handlungsfelds zeigt "
            "`!projekte HF-5`, die zu einem Stichwort `!projekte <Stichwort>`.",
        ),
        (
            "!projekte",
            12,
            "… und 4 weitere Projekte. Die Projekte eines Handlungsfelds zeigt "
            "`!projekte HF-4`, die zu einem Stichwort `!projekte <Stichwort>`.",
        ),
        (
            "!system",
            18,
            "… und 1 weiteres System. Genauer wird es mit einem Stichwort: `!system <Stichwort>`.",
        ),
        (
            "!system",
            15,
            "… und 4 weitere Systeme. Genauer wird es mit einem Stichwort: `!system <Stichwort>`.",
        ),
    ],
)
def test_a_capped_list_counts_the_rest_in_good_german_and_says_how_to_see_it(
    town: Store, say: Say, monkeypatch: pytest.MonkeyPatch, command: str, cap: int, last_lines: str
) -> None:
    """The trial read „und 1 weitere“ under 15 projects, with no way to see the 16th."""
    monkeypatch.setattr(handlers, "MAX_LISTED", cap)
    [reply] = say(command)
    assert len(bullets(reply.text)) == cap
    assert f"\n\n{last_lines}\n\n" in reply.text


def test_a_long_list_without_an_agenda_is_narrowed_by_a_keyword(
    store: Store, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction():
        for n in (1, 2, 3):
            store.upsert_plan_item(NewPlanItem("project", f"PRJ-0{n}", f"Projekt {n}"), NOW)
    monkeypatch.setattr(handlers, "MAX_LISTED", 2)
    [reply] = say("!projekte")
    assert "**Ohne Handlungsfeld**" not in reply.text  # no fields to group by
    assert "… und 1 weiteres Projekt. Genauer wird es mit einem Stichwort" in reply.text


def test_a_project_serving_no_field_is_listed_apart(town: Store, say: Say) -> None:
    with town.transaction():
        town.upsert_plan_item(NewPlanItem("project", "PRJ-17", "Kantinenkasse"), NOW)
    [reply] = say("!projekte")
    assert reply.text.split("\n\n")[-2] == (
        "**Ohne Handlungsfeld**\n• **PRJ-17** Kantinenkasse – – · niemand eingetragen"
    )


def test_hints_give_examples_from_the_plan_in_the_store(town: Store, say: Say) -> None:
    """The trial was told `!projekte P-1` and `!system S-1`: keys of the example plan."""
    [projects] = say("!projekte")
    assert projects.text.endswith(
        "Mehr zu einem Projekt: `!projekte <Schlüssel>`, zum Beispiel `!projekte PRJ-01`; "
        "Projekte zu einem Stichwort: `!projekte Online-Antragsportal`."
    )
    [systems] = say("!system")
    assert systems.text.endswith(
        "Mehr zu einem System: `!system <Name oder Schlüssel>`, zum Beispiel "
        "`!system SYS-BAU` oder `!system Baugenehmigungsverfahren`."
    )
    for reply in (projects, systems):
        assert "P-1`" not in reply.text and "S-1`" not in reply.text
    # and the examples work
    assert say("!system Baugenehmigungsverfahren")[0].text.startswith("**System SYS-BAU:")
    assert say("!projekte Online-Antragsportal")[0].text.startswith("**Projekt PRJ-01:")


def test_the_departments_using_a_system_are_a_readable_list(town: Store, say: Say) -> None:
    """The trial read „Fachbereich: FD 33 Bürgerbüro;FD 34 Standesamt;…“."""
    [many] = say("!system SYS-EWO")
    assert (
        "\nFachbereiche: FD 33 Bürgerbüro, FD 34 Standesamt, FD 32 Ordnung, FD 36 Straßenverkehr\n"
        in many.text
    )
    assert ";" not in many.text
    [one] = say("!system SYS-ZEIT")
    assert "\nFachbereich: FD 12 Personal\n" in one.text


def test_a_plan_without_systems_or_projects_says_so(store: Store, say: Say) -> None:
    """Without a name and without systems the reply read „Ein System „None“ kenne ich nicht“."""
    with store.transaction():
        store.upsert_plan_item(NewPlanItem("agenda", "HF-1", "Bürgerservice digital"), NOW)
    assert say("!system")[0].text == "Im Plan der Stadt sind keine Systeme eingetragen."
    assert say("!projekte")[0].text == "Im Plan der Stadt sind keine Projekte eingetragen."


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("DMS / E-Akte", "E-Akte"),
        ("E-Rechnung einführen", "E-Rechnung"),
        ("Neue Telefonanlage und Softphones", "Telefonanlage"),
        ("Kfz-Zulassung", "Kfz-Zulassung"),
        ("–", "X-1"),  # no word at all: the key
    ],
)
def test_the_example_word_is_the_longest_of_the_title(store: Store, title: str, word: str) -> None:
    with store.transaction():
        store.upsert_plan_item(NewPlanItem("system", "X-1", title), NOW)
    item = store.get_plan_item("X-1")
    assert item is not None and handlers.example_word(item) == word


def test_english_counts_the_rest_too() -> None:
    t = Translator("en")
    assert t("plans.projects_more", count=1).startswith("… and 1 more project. ")
    assert t("plans.systems_more", count=3).startswith("… and 3 more systems. ")
    assert t("plans.system_by_meaning", name="X", count=1).endswith("the closest match is:")


def test_without_plans_staff_read_what_is_missing_and_an_admin_how_to_import(say: Say) -> None:
    """Trial 32: staff read `ideenlotse plan import <Datei>`, a command for the server."""
    [staff] = say("!projekte", "anna")
    assert "noch keine Pläne" in staff.text and "ideenlotse" not in staff.text
    [admin] = say("!agenda", "admin-user", role="admin")
    assert "`ideenlotse plan import <Datei>`" in admin.text
