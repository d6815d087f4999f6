"""``ideenlotse plan`` and ``route`` with the plans, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import config, run

__all__ = ["config"]  # the autouse fixture: every run uses the test model folder

PLAN = Path(__file__).resolve().parents[2] / "deploy" / "springe-plan.csv"


def test_import_show_and_bad_rows(tmp_path: Path) -> None:
    first = run(tmp_path, "plan", "import", str(PLAN))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "31 plan items added, 0 updated, 0 unchanged, 0 rows with errors"
    again = run(tmp_path, "plan", "import", str(PLAN))
    assert again.stdout.startswith("0 plan items added, 0 updated, 31 unchanged")
    broken = tmp_path / "broken.csv"
    broken.write_text("kind,key,title\nproject,P-90,Gut\naufgabe,P-91,Schlecht\n", encoding="utf-8")
    partly = run(tmp_path, "plan", "import", str(broken))
    assert partly.returncode == 1
    assert partly.stderr.strip() == (
        f"{broken}:3: 'kind' is 'aufgabe'; use agenda, project or system"
        " (or ziel, handlungsfeld, projekt, vorhaben, fachverfahren)"
    )
    assert partly.stdout.startswith("1 plan items added")
    shown = json.loads(run(tmp_path, "plan", "show", "--json").stdout)
    assert [len(shown[k]) for k in ("agenda", "projects", "systems")] == [4, 13, 15]
    missing = run(tmp_path, "plan", "import", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2  # click: the file does not exist


@pytest.mark.model
def test_match_and_route_name_the_owner(tmp_path: Path) -> None:
    assert run(tmp_path, "plan", "import", str(PLAN)).returncode == 0
    matched = run(tmp_path, "plan", "match", stdin="Das DMS startet nicht mehr\nKantine vegan\n")
    assert matched.returncode == 0, matched.stderr
    dms, canteen = (json.loads(line) for line in matched.stdout.splitlines())
    assert dms == [
        {"kind": "system", "key": "S-1", "title": "DMS / E-Akte", "score": dms[0]["score"],
         "owner": "petra"}
    ]  # fmt: skip
    assert canteen == []
    routed = run(tmp_path, "route", "--json", "Das DMS startet nicht mehr")
    result = json.loads(routed.stdout)
    assert (result["target"], result["owner"], result["system"]) == ("cio", "petra", "S-1")
    assert "DMS / E-Akte" in result["reason"]


def test_forget_removes_a_plan_owner_who_never_chatted(tmp_path: Path) -> None:
    """Trial 27: `forget --person sabine` said "nobody ... is known", and she stayed the
    contact of the registry system."""
    run(tmp_path, "plan", "import", str(PLAN))
    named = tmp_path / "named.csv"  # the plan may name her too, since owner_name exists
    named.write_text("kind;key;title;owner;owner_name\nsystem;S-90;Kasse;sabine;Sabine Sommer\n")
    assert run(tmp_path, "plan", "import", str(named)).returncode == 0
    erased = run(tmp_path, "forget", "--person", "sabine", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "erased: sabine as the owner of plan items" in erased.stdout
    shown = json.loads(run(tmp_path, "plan", "show", "--json").stdout)
    items = [item for kind in ("agenda", "projects", "systems") for item in shown[kind]]
    assert all(item["owner"] != "sabine" for item in items) and len(items) == 32
    assert all(item["owner_name"] is None for item in items)
    gone = run(tmp_path, "forget", "--person", "sabine", "--yes")
    assert gone.returncode == 1 and "nobody with the user id" in gone.stderr


def test_another_towns_plan_in_german_with_chat_and_file_sharing_the_status(
    tmp_path: Path,
) -> None:
    """A CDO's blind trial: German dates, status words and kinds were refused one problem
    per run, a comma list went unexplained, the unchanged file undid a status set in chat,
    and owners were shown by login."""
    plan = tmp_path / "plan.csv"
    header = "kind;key;title;owner;owner_name;status;goal;systems;start;end\n"
    rows = (
        "Handlungsfeld;HF-1;Verwaltung digital;cdo;;aktiv;;;;\n"
        "Fachverfahren;SYS-A;DMS;petra;Petra Lange;in Betrieb;;;;\n"
        "Fachverfahren;SYS-B;Finanzen;dirk;;in Betrieb;;;;\n"
        "Projekt;PRJ-1;E-Akte;jwagner;Jana Wagner;in Planung;HF-1;SYS-A;01.03.2026;31.12.2027\n"
    )
    plan.write_text(header + rows, encoding="utf-8")
    first = run(tmp_path, "plan", "import", str(plan))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("4 plan items added, 0 updated, 0 unchanged, 0 rows")
    broken = tmp_path / "broken.csv"
    broken.write_text(
        header + "Projekt;PRJ-2;;;;in Bearbeitung;HF-1;SYS-A, SYS-B;2026/03/01;\n",
        encoding="utf-8",
    )
    failed = run(tmp_path, "plan", "import", str(broken))
    assert failed.returncode == 1
    assert [line.split(": ")[1].split(" ")[0] for line in failed.stderr.splitlines()] == [
        "'title'", "'status'", "'start'", "'systems'"
    ]  # fmt: skip
    assert {line.split(": ")[0] for line in failed.stderr.splitlines()} == {f"{broken}:2"}
    assert "(use ';' between entries, not ',': SYS-A; SYS-B)" in failed.stderr
    assert failed.stdout.startswith("0 plan items added, 0 updated, 0 unchanged, 1 rows")
    shown = json.loads(run(tmp_path, "plan", "show", "--json").stdout)
    [project] = shown["projects"]
    assert (project["owner"], project["owner_name"]) == ("jwagner", "Jana Wagner")
    assert (project["status"], project["start"], project["end"]) == (
        "geplant", "2026-03-01", "2027-12-31"
    )  # fmt: skip
    assert "Jana Wagner (jwagner)" in run(tmp_path, "plan", "show").stdout
    chat = run(tmp_path, "chat", "--as", "maria", "--role", "cdo",
               stdin="!projektstatus PRJ-1 pausiert\n!projekte PRJ-1\n")  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert "[Direktnachricht an jwagner]" in chat.stdout  # told by login, never by name
    assert "Ansprechperson: Jana Wagner\n" in chat.stdout  # shown by name
    again = run(tmp_path, "plan", "import", str(plan))
    assert again.stdout.splitlines() == [
        "0 plan items added, 0 updated, 4 unchanged, 0 rows with errors",
        "status kept as set in chat: PRJ-1: pausiert (the file says geplant)",
    ]
    plan.write_text(header + rows.replace("in Planung", "in Umsetzung"), encoding="utf-8")
    moved = run(tmp_path, "plan", "import", str(plan))
    assert moved.stdout.splitlines() == [
        "0 plan items added, 1 updated, 3 unchanged, 0 rows with errors",
        "status changed as the file says: PRJ-1: pausiert -> laufend (pausiert was set in chat)",
    ]
