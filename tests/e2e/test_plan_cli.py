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
    broken.write_text("kind,key,title\nproject,P-90,Gut\nprojekt,P-91,Schlecht\n", encoding="utf-8")
    partly = run(tmp_path, "plan", "import", str(broken))
    assert partly.returncode == 1
    assert (
        partly.stderr.strip() == f"{broken}:3: 'kind' is 'projekt'; use agenda, project or system"
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
    erased = run(tmp_path, "forget", "--person", "sabine", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "erased: sabine as the owner of plan items" in erased.stdout
    shown = json.loads(run(tmp_path, "plan", "show", "--json").stdout)
    items = [item for kind in ("agenda", "projects", "systems") for item in shown[kind]]
    assert all(item["owner"] != "sabine" for item in items) and len(items) == 31
    gone = run(tmp_path, "forget", "--person", "sabine", "--yes")
    assert gone.returncode == 1 and "nobody with the user id" in gone.stderr
