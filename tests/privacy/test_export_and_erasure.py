"""``!meine-daten`` hands out everything about a person; ``!vergiss-mich`` leaves no trace.

One scenario touches every table that refers to a person (the test checks that it does), so
"everything" and "no trace" are checked against the whole schema, including tables added
by later migrations.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import retention
from bot.events import Action, Message, Sender
from bot.i18n import Translator
from knowledge.privacy import ERASE_ROWS, PERSON_COLUMNS, UNLINK
from tests.privacy.conftest import PLATFORM, World

ANNA = "@anna.kowalski:stadt.example"
BOB = "@bob:stadt.example"
CARLA = "@carla:stadt.example"
CHIEF = "@chief:stadt.example"
ROLES = {ANNA: "cdo", CHIEF: "cio"}
# What identifies Anna or only she wrote: none of it may remain after her erasure.
NEEDLES = ("Kowalski", "anna.kowalski", "Zebrastreifenpilot", "Quastenflosser")


def populate(world: World) -> int:
    """Anna in every role the schema knows; returns her person id."""
    world.say(ANNA, "!interessen Quastenflosser-Register, E-Akte", name="Kowalski, Anna")
    world.say(ANNA, "!matching an", name="Anna Kowalski")  # renamed: the old name was stored
    world.say(BOB, "!matching an")
    world.say(BOB, "!interessen E-Akte")
    world.say(ANNA, "!idee Zebrastreifenpilot: Ampeln im Stadtgebiet digital steuern")
    world.say(BOB, "!idee Ampeln im Stadtgebiet digital steuern und auswerten", department="IT")
    world.say(CARLA, "!idee Kantine bargeldlos bezahlen", department="FD 10")
    world.say(ANNA, "!unterstuetzen 2")
    world.say(BOB, "!unterstuetzen 1")
    world.say(ANNA, f"!vernetzen {BOB}")
    world.say(CARLA, "!vernetzen 1")
    world.say(ANNA, "!vernetzen ablehnen 2")
    world.say(ANNA, "!nicht-aehnlich 1 2")
    world.say(ANNA, "!lagebild")  # a cockpit link: a row in web_logins
    world.say(ANNA, "Wie beantrage ich Sonderurlaub für den Quastenflosser-Kongress?", direct=True)
    world.say(CARLA, "!frage Wer betreut das WLAN im Rathaus?")
    # Each acts on questions routed to their role only: the WLAN question went to the CIO,
    # Anna's own one to the CDO.
    for user, command in [
        (CHIEF, "!weiterleiten 2 beide"),
        (ANNA, "!weiterleiten 2 cdo"),
        (ANNA, "!antwort 2 Das WLAN betreut die IT-Abteilung."),
        (ANNA, "!weiterleiten 1 cio"),
        (CHIEF, "!antwort 1 Sonderurlaub beantragen Sie im Personalportal."),
    ]:
        assert "nicht an Ihre Rolle" not in world.text(user, command), command
    world.say(ANNA, "!status 3 in Prüfung")
    world.say(CARLA, "!idee Zebrastreifen-Ampeln digital steuern", department="FD 10")
    world.say(ANNA, "!zusammenfuehren 4 1")  # Carla's idea #4 is a duplicate of Anna's #1
    person = world.store.find_person(PLATFORM, ANNA)
    bob = world.store.find_person(PLATFORM, BOB)
    assert person is not None and bob is not None
    with world.store.transaction():  # the weekly digest suggested Anna and Bob to each other
        world.store.record_digest_introductions([(person.id, bob.id)], "2026-11-23T08:00:00+00:00")
    return person.id


def rows_about(db: Path, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Straight from the file: every row whose person columns name ``person_id``."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    found = {}
    for table, columns in PERSON_COLUMNS.items():
        where = " OR ".join(f"{c} = ?" for c in columns)
        rows = conn.execute(f"SELECT * FROM {table} WHERE {where}", [person_id] * len(columns))
        found[table] = [dict(row) for row in rows]
    conn.close()
    return found


def export_of(world: World, user: str) -> dict[str, Any]:
    replies = world.say(user, "!meine-daten")
    [direct] = [reply for reply in replies if reply.attachments]
    assert direct.direct_to == user  # to the person alone
    [file] = direct.attachments
    assert (file.filename, file.mime_type) == ("meine-daten.json", "application/json")
    data: dict[str, Any] = json.loads(file.data)
    return data


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[World]:
    world = World(tmp_path / "data", ROLES)
    yield world
    world.store.close()


def test_every_table_that_refers_to_people_is_covered(stage: World) -> None:
    conn = sqlite3.connect(stage.data / "ideenlotse.db")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    referring: dict[str, set[str]] = {}
    for table in tables:
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            if fk[2] == "people":
                referring.setdefault(table, set()).add(fk[3])
    conn.close()
    for table, columns in referring.items():
        assert columns <= set(PERSON_COLUMNS.get(table, ())), (table, columns)
    # and the erasure has a rule for every one of them
    ruled = {(t, c) for rules in (ERASE_ROWS, UNLINK) for t, cs in rules.items() for c in cs}
    ruled |= {("people", "id"), ("ideas", "author_id"), ("questions", "asker_id")}
    assert ruled == {(t, c) for t, cs in PERSON_COLUMNS.items() for c in cs}


def test_the_export_holds_every_row_about_the_person(stage: World) -> None:
    anna = populate(stage)
    stage.say(ANNA, "!vergiss-mich")  # a pending confirmation code: a row in confirmations
    stored = rows_about(stage.data / "ideenlotse.db", anna)
    for table, rows in stored.items():
        assert rows, f"the scenario should store something about Anna in {table}"
    data = export_of(stage, ANNA)
    assert data["person"]["platform_user_id"] == ANNA
    assert data["person"]["display_name"] == "Anna Kowalski"
    text = json.dumps(data, ensure_ascii=False)
    for table, rows in stored.items():
        if table == "people":
            continue
        exported = data["tables"][table]
        # the export itself adds audit and event rows; everything stored before is in it
        assert len(exported) >= len(rows), table
        for row in rows:
            for column, value in row.items():
                if isinstance(value, str):
                    assert json.dumps(value, ensure_ascii=False) in text, (table, column)
                elif isinstance(value, bytes):
                    assert any(
                        isinstance(e.get(column), dict) and e[column]["bytes"] == len(value)
                        for e in exported
                    ), (table, column)
    answers = [a["text"] for a in data["answers_to_your_questions"]]
    assert answers == ["Sonderurlaub beantragen Sie im Personalportal."]
    assert [r["question_id"] for r in data["reroutes_of_your_questions"]] == [1]
    assert [i["id"] for i in data["ideas_you_support"]] == [2]
    assert "Wer betreut das WLAN" not in text  # Carla's question is Carla's


def test_nobody_gets_another_persons_export_or_questions(stage: World) -> None:
    populate(stage)
    bob = export_of(stage, BOB)
    text = json.dumps(bob, ensure_ascii=False)
    assert "Sonderurlaub" not in text and "Quastenflosser" not in text
    assert bob["person"]["platform_user_id"] == BOB
    mine = stage.text(BOB, "!meine-fragen")
    assert "Sonderurlaub" not in mine
    assert stage.text(BOB, "!geholfen ja 1") == Translator("de")("question.not_yours", id=1)
    assert "Kongress" not in stage.text(BOB, "!suche Sonderurlaub")  # questions are private
    assert "Sonderurlaub" not in stage.text(BOB, "!meine-daten Anna")  # takes no name


def test_erasure_leaves_no_trace_in_the_database_file(stage: World) -> None:
    anna = populate(stage)
    before = stage.file_bytes()
    for needle in NEEDLES:
        assert needle.encode() in before, needle  # the test can see stored data at all
    asked = stage.text(ANNA, "!vergiss-mich")
    assert "1 Idee und 1 Frage" in asked and "!vergiss-mich bestätigen" in asked
    assert stage.store.find_person(PLATFORM, ANNA) is not None  # nothing happens without "ja"
    code = stage.erasure_code(ANNA)
    assert "alle Daten über Sie gelöscht" in stage.text(ANNA, f"!vergiss-mich bestätigen {code}")
    retention.run_due(stage.store, stage.settings, stage.bot.bus, stage.clock())
    after = stage.file_bytes()
    for needle in NEEDLES:
        for form in {needle, needle.lower(), needle.upper()}:
            assert form.encode() not in after, form
    assert all(not rows for rows in rows_about(stage.data / "ideenlotse.db", anna).values())
    [erased] = stage.store.audit_entries("person.erased")
    assert erased["actor_id"] is None and erased["subject_id"] is None
    assert erased["detail"] == "mode=delete ideas=1 questions=1"
    # trial 27: what she did herself leaves no trail; what she did in her role stays, unlinked
    assert {e["subject_id"] for e in stage.store.audit_entries("idea.created")} == {2, 3, 4}
    assert [e["subject_id"] for e in stage.store.audit_entries("question.asked")] == [2]
    assert [e["actor_id"] for e in stage.store.audit_entries("idea.status")] == [None]
    [carla_asked] = stage.store.audit_entries("introduction.requested")  # Carla's, to her
    assert carla_asked["actor_id"] is not None
    # the others' data is intact; Anna's answer stays as knowledge, without her name
    ideas = {idea.id: idea for idea in stage.store.ideas()}
    assert set(ideas) == {2, 3, 4}
    assert (ideas[4].status, ideas[4].merged_into) == ("neu", None)  # stands on its own again
    carla = stage.store.get_question(2)
    assert carla is not None and carla.reason is not None
    assert "eine gelöschte Person" in carla.reason
    answer = stage.store.latest_answer(2)
    assert answer is not None and answer.responder_id is None
    # and the in-memory side forgot her too
    assert 1 not in stage.matcher.engine
    assert all("Quastenflosser" not in e.text for e in stage.desk.router.examples)  # type: ignore[union-attr]
    assert "Anna" not in stage.text(BOB, "!wer Quastenflosser-Register")


def test_a_replayed_event_of_an_erased_person_is_not_handled_again(stage: World) -> None:
    populate(stage)
    stage.say(ANNA, f"!vergiss-mich bestätigen {stage.erasure_code(ANNA)}")
    replay = Message(PLATFORM, "$ev5", Sender(ANNA, "Anna Kowalski"), "!idee x", "!r")  # her idea
    assert stage.bot.handle(replay, idea_room=True) == []
    assert stage.store.find_person(PLATFORM, ANNA) is None


def test_anonymise_keeps_ideas_and_questions_without_the_person(tmp_path: Path) -> None:
    world = World(tmp_path / "data", ROLES, erase_mode="anonymise")
    anna = populate(world)
    world.say(ANNA, "!frage Wer pflegt eigentlich das Intranet?")  # open: #3
    assert world.store.get_question(3) is not None
    asked = world.text(ANNA, "!vergiss-mich")
    assert "bleiben ohne Ihren Namen erhalten" in asked
    done = world.text(ANNA, f"!vergiss-mich bestätigen {world.erasure_code(ANNA)}")
    assert "1 Idee und 1 Frage bleiben ohne Ihren Namen und Fachbereich erhalten" in done
    retention.run_due(world.store, world.settings, world.bot.bus, world.clock())
    after = world.file_bytes()
    for needle in ("Kowalski", "kowalski", "anna.kowalski"):
        assert needle.encode() not in after, needle
    assert b"Zebrastreifenpilot" in after  # the idea itself stays
    idea = world.store.get_idea(1)
    assert idea is not None and idea.author_id is None and idea.source_event_id is None
    assert idea.department is None  # trial 27: in a small town a department is nearly a name
    assert world.store.get_question(3) is None  # nobody is left to read its answer
    assert "unbekannt" in world.text(BOB, "!suche Zebrastreifenpilot")
    question = world.store.get_question(1)
    assert question is not None and question.asker_id is None
    assert all(not rows for rows in rows_about(world.data / "ideenlotse.db", anna).values())
    world.store.close()


def test_retention_deletes_what_is_older_than_the_period(stage: World) -> None:
    stage.say(BOB, "!idee Alte Idee zu Aktenplänen")
    stage.say(CARLA, "!frage Wer pflegt die alten Aktenpläne?")
    stage.say("@dora:stadt.example", "!hilfe")  # seen once, nothing stored
    stage.say(CARLA, "!lagebild")  # a cockpit link that is never used
    retention.run_due(stage.store, stage.settings, stage.bot.bus, stage.clock())
    assert stage.store.db.execute("SELECT COUNT(*) FROM web_logins").fetchone()[0] == 1
    assert len(stage.store.audit_entries("retention.run")) == 1
    stage.clock.advance(days=stage.settings.privacy.retention_days + 1)
    stage.say(CARLA, "!idee Neue Idee zu Formularen")
    expired = retention.run_due(stage.store, stage.settings, stage.bot.bus, stage.clock())
    assert expired is not None and expired.ideas == (1,) and expired.questions == (1,)
    assert [i.text for i in stage.store.ideas()] == ["Neue Idee zu Formularen"]
    assert stage.store.get_question(1) is None
    assert stage.store.find_person(PLATFORM, "@dora:stadt.example") is None
    assert stage.store.find_person(PLATFORM, CARLA) is not None  # seen recently
    assert stage.store.db.execute("SELECT COUNT(*) FROM web_logins").fetchone()[0] == 0
    assert 1 not in stage.matcher.engine
    [run] = stage.store.audit_entries("retention.deleted")
    assert "ideas=1 questions=1" in run["detail"]
    data = stage.file_bytes()
    assert b"Aktenpl" not in data and b"aktenpl" not in data  # scrubbed after the deletion
    # once a day: the same day again does nothing
    assert retention.run_due(stage.store, stage.settings, stage.bot.bus, stage.clock()) is None


def test_the_erasure_confirmation_is_bound_to_the_person_and_time(stage: World) -> None:
    """Anna asks in a room: the question and its button go to her alone, and the button,
    clicked by Bob, or her code after ten minutes, erase nobody."""
    populate(stage)
    asked = stage.say(ANNA, "!vergiss-mich")
    note, prompt = asked
    assert "Direktnachricht" in note.text and not note.buttons
    assert prompt.direct_to == ANNA and prompt.buttons
    command = prompt.buttons[0].command
    click = Action(PLATFORM, "$click-bob", Sender(BOB, "Bob"), command)
    assert "nichts gelöscht" in "\n".join(r.text for r in stage.bot.handle(click))
    assert stage.store.find_person(PLATFORM, BOB) is not None
    assert stage.store.find_person(PLATFORM, ANNA) is not None
    assert "nichts gelöscht" in stage.text(ANNA, "!vergiss-mich bestätigen ABCDEF")  # guessed
    stage.clock.advance(minutes=11)
    assert "nichts gelöscht" in stage.text(ANNA, command)  # too late
    assert stage.store.find_person(PLATFORM, ANNA) is not None
    code = stage.erasure_code(ANNA)
    assert "gelöscht" in stage.text(ANNA, f"!vergiss-mich bestätigen {code}")
    assert stage.store.find_person(PLATFORM, ANNA) is None
    assert stage.store.find_person(PLATFORM, BOB) is not None


def test_the_confirmation_reaches_another_process(stage: World) -> None:
    """Trial 14: the code was kept in one process's memory, so the next console (or another
    bot process on the same database) refused it. The database holds its hash only."""
    populate(stage)
    code = stage.erasure_code(ANNA)
    [stored] = stage.store.db.execute("SELECT code_hash FROM confirmations").fetchall()
    assert code not in stored[0] and len(stored[0]) == 64  # its SHA-256, not the code
    other = World(stage.data, ROLES)  # a second process: its own connection and memory
    other.clock.now = stage.clock()
    other.events = itertools.count(1000)  # other events than the first process handled
    try:
        assert "nichts gelöscht" in other.text(BOB, f"!vergiss-mich bestätigen {code}")
        assert "alle Daten über Sie gelöscht" in other.text(
            ANNA, f"!vergiss-mich bestätigen {code}"
        )
        assert other.store.find_person(PLATFORM, ANNA) is None
        assert stage.store.db.execute("SELECT COUNT(*) FROM confirmations").fetchone()[0] == 0
    finally:
        other.store.close()


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
def test_an_edited_idea_leaves_no_trace_of_its_old_text(stage: World) -> None:
    """An author who edits a colleague's phone number out of an idea must find it gone."""
    secret = "Durchwahl 4711-0815 von Frau Quasthoff"
    stage.say(ANNA, f"!idee Termine im Standesamt online buchen, Rückfragen an {secret}")
    [idea] = [i for i in stage.store.ideas() if "Standesamt" in i.text]
    assert secret.encode() in stage.file_bytes()
    changed = stage.text(ANNA, f"!aendern {idea.id} Termine im Standesamt online buchen")
    assert "steht jetzt in Ihrer neuen Fassung" in changed
    retention.run_due(stage.store, stage.settings, stage.bot.bus, stage.clock())
    after = stage.file_bytes()
    for needle in ("4711-0815", "Quasthoff", "quasthoff"):
        assert needle.encode() not in after, needle
    assert b"Standesamt" in after
