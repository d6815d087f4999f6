"""Migrations and the repository, on a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.privacy import export_ideas
from knowledge.db import available_migrations, connect, migrate, schema_version
from knowledge.open import open_store
from knowledge.questions import NewQuestion
from knowledge.records import NewIdea
from knowledge.store import Store

NOW = "2026-11-23T09:00:00+00:00"
TABLES = {"people", "interests", "ideas", "supports", "idea_links", "questions", "answers",
          "processed_events", "audit_log", "ideas_fts", "schema_migrations"}  # fmt: skip


def test_no_sqlite_utils_plugin_runs_on_the_citys_data(tmp_path: Path) -> None:
    """A package installed beside Ideenlotse could register a sqlite-utils plugin that runs on
    every connection; the store never loads them (a fresh process: pytest is no guard)."""
    code = (
        "import sys; from knowledge.db import connect; connect(sys.argv[1]);"
        "import sqlite_utils.plugins as p; print(p._plugins_loaded)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "x.db")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "False"


def test_migrates_an_empty_database_once(tmp_path: Path) -> None:
    db = connect(tmp_path / "x.db")
    assert schema_version(db) == 0
    applied = migrate(db)
    assert applied == [m.version for m in available_migrations()]
    assert set(db.table_names()) >= TABLES
    assert migrate(db) == []
    assert schema_version(db) == applied[-1]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_data_survives_reopening(tmp_path: Path) -> None:
    first = open_store(tmp_path)
    with first.transaction():
        anna = first.upsert_person("console", "anna", "Anna", NOW, department="FD 20")
        first.add_idea(NewIdea("Akten digital führen", anna.id), NOW)
    first.close()
    again = open_store(tmp_path)
    assert [i.text for i in again.ideas()] == ["Akten digital führen"]
    again.close()


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add_idea(NewIdea("wird zurückgerollt", None), NOW)
        raise RuntimeError("boom")
    assert store.count_ideas() == 0
    assert store.search_ideas("zurückgerollt") == []


def test_people_are_created_once_and_refreshed(store: Store) -> None:
    with store.transaction():
        first = store.upsert_person("matrix", "@anna:stadt.de", "Anna", NOW)
        again = store.upsert_person(
            "matrix", "@anna:stadt.de", "Anna B.", NOW, department="FD 20", role="cdo"
        )
        other = store.upsert_person("slack", "@anna:stadt.de", "Anna", NOW)
    assert first.id == again.id != other.id
    assert (again.display_name, again.department, again.role) == ("Anna B.", "FD 20", "cdo")
    assert not again.matching_opt_in
    with pytest.raises(ValueError):
        store.upsert_person("matrix", "x", "X", NOW, role="king")


def test_interests_replace_previous_ones(store: Store) -> None:
    with store.transaction():
        anna = store.upsert_person("console", "anna", "Anna", NOW)
        store.set_interests(anna.id, ["E-Akte", "Open Data"], NOW)
        store.set_interests(anna.id, ["KI"], NOW)
    assert store.interests(anna.id) == ["KI"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Rechnung", [1]),  # part of a compound
        ("rechnungen eingang", [1]),  # all terms, any order
        ("Bürgerbüro", [2]),
        ("Buergerbuero", [2]),  # typed without umlauts
        ("BÜRGERBÜRO termine", [2]),
        ("Rechnung Termine", [2, 1]),  # no idea has both: any term
        ("xyz", []),
        ('" OR 1=1 --', []),  # SQL and FTS syntax are plain text
        ("NEAR(rechnung verarbeiten)", [1]),
        ("rech*", [1]),
        ("ab", []),  # too short for the index
    ],
)
def test_full_text_search(store: Store, query: str, found: list[int]) -> None:
    with store.transaction():
        store.add_idea(NewIdea("Eingangsrechnungen automatisch verarbeiten", None), NOW)
        store.add_idea(NewIdea("Online-Termine im Bürgerbüro buchen", None, title="Termine"), NOW)
    assert [idea.id for idea in store.search_ideas(query)] == found


def test_supports_count_once_per_person(store: Store) -> None:
    with store.transaction():
        anna = store.upsert_person("console", "anna", "Anna", NOW)
        bob = store.upsert_person("console", "bob", "Bob", NOW)
        idea = store.add_idea(NewIdea("Idee", anna.id), NOW)
        assert store.add_support(idea.id, bob.id, NOW)
        assert not store.add_support(idea.id, bob.id, NOW)
    fetched = store.get_idea(idea.id)
    assert fetched is not None and fetched.supporters == 1 and fetched.author_name == "Anna"


def test_status_is_checked(store: Store) -> None:
    with store.transaction():
        idea = store.add_idea(NewIdea("Idee", None), NOW)
        store.set_status(idea.id, "umgesetzt", NOW)
        with pytest.raises(ValueError):
            store.set_status(idea.id, "fertig", NOW)
    fetched = store.get_idea(idea.id)
    assert fetched is not None and fetched.status == "umgesetzt"


def test_events_are_claimed_once_per_platform(store: Store) -> None:
    with store.transaction():
        assert store.claim_event("matrix", "$ev1", None, NOW)
        assert not store.claim_event("matrix", "$ev1", None, NOW)
        assert store.claim_event("slack", "$ev1", None, NOW)


def test_audit_log(store: Store) -> None:
    with store.transaction():
        store.audit("idea.created", NOW, subject_type="idea", subject_id=1)
    [entry] = store.audit_entries("idea.created")
    assert entry["subject_id"] == 1 and entry["at"] == NOW


def test_numbers_are_never_issued_twice(store: Store) -> None:
    """An erased #3 must not become someone else's #3: old links and messages would point at it."""
    with store.transaction():
        anna = store.upsert_person("console", "anna", "Anna", NOW)
        ideas = [store.add_idea(NewIdea(f"Idee {n}", anna.id), NOW).id for n in range(3)]
        asked = [store.add_question(NewQuestion(f"Frage {n}?", anna.id), NOW).id for n in range(2)]
    with store.transaction():
        store.delete_idea(ideas[-1])
        store.db.execute("DELETE FROM questions WHERE id = ?", (asked[-1],))
    with store.transaction():
        assert store.add_idea(NewIdea("Neue Idee", anna.id), NOW).id == ideas[-1] + 1
        assert store.add_question(NewQuestion("Neue Frage?", anna.id), NOW).id == asked[-1] + 1


def test_export_by_user_id_never_by_display_name(store: Store) -> None:
    """Anybody can call themselves "Anna Schmidt"; the export goes by the platform's user id."""
    with store.transaction():
        anna = store.upsert_person("matrix", "@anna:stadt.de", "Anna Schmidt", NOW)
        other = store.upsert_person("slack", "U0MALLORY", "Anna Schmidt", NOW)
        store.add_idea(NewIdea("Akten digital führen", anna.id), NOW)
        store.add_idea(NewIdea("Fremde Idee", other.id), NOW)
    with pytest.raises(LookupError, match=r"display name.*matrix:@anna:stadt\.de.*slack:U0MALLORY"):
        export_ideas(store, "Anna Schmidt")
    data = export_ideas(store, "matrix:@anna:stadt.de")
    assert [i["text"] for i in data["ideas"]] == ["Akten digital führen"]
    assert data["identities"] == [
        {"platform": "matrix", "user_id": "@anna:stadt.de", "name": "Anna Schmidt"}
    ]
    assert [i["text"] for i in export_ideas(store, "@ANNA:stadt.de")["ideas"]] == [
        "Akten digital führen"
    ]
