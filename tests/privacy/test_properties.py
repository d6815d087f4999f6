"""Property-based tests (hypothesis): whatever people type or upload, nothing breaks.

The command parser always returns a typed value; the bot answers any message without an
internal error; the import reader reports bad rows instead of failing; search terms with SQL
or FTS5 syntax are inert text.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.commands import (
    EmptyCommand,
    Invocation,
    NotACommand,
    UnknownCommand,
    UsageError,
)
from bot.config import Settings
from bot.core import Bot
from bot.events import Action, Message, Sender
from bot.handlers import REGISTRY
from bot.i18n import Translator
from bot.importer import FIELDS, ImportFileError, ImportRow, RowError, read_rows
from bot.text_input import clean_text
from knowledge.open import open_store
from knowledge.records import STATUSES, NewIdea

NAMES = sorted(name for command in REGISTRY for name in command.names)
PARSED = (Invocation, NotACommand, EmptyCommand, UnknownCommand, UsageError)
INTERNAL = Translator("de")("error.internal")
SYNTAX = st.sampled_from(
    ['"', "'", "*", "AND", "OR", "NOT", "NEAR(", "NEAR/2", "(", ")", "^", ":", "-", "+",
     "title:", "text:", "{", "}", "\\", "%", "_", "\x00", "; DROP TABLE ideas; --",
     "' OR 1=1 --", '" OR "1"="1', "*/", "/*", "MATCH", "rowid", "ideas_fts"]
)  # fmt: skip
NOISE = st.lists(st.one_of(SYNTAX, st.text(max_size=12)), max_size=8).map(" ".join)
# No example database: nothing is written into the working tree, every run starts afresh.
FAST = settings(max_examples=200, deadline=None, database=None)
SLOW = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
NOW = "2026-11-23T09:00:00+00:00"


# -- the command parser -----------------------------------------------------------------------


@FAST
@given(st.text())
def test_any_text_parses_to_a_typed_value(text: str) -> None:
    parsed = REGISTRY.parse(text)
    assert isinstance(parsed, PARSED)
    if not text.strip().startswith("!"):
        assert parsed == NotACommand(text)


@FAST
@given(st.sampled_from(NAMES), st.text())
@example("answer", "²")  # found by this test: "²".isdigit() is True, int("²") fails
@example("vernetzen", "²")
@example("digest", "³")
def test_a_known_command_binds_to_its_declaration(name: str, rest: str) -> None:
    parsed = REGISTRY.parse(f"!{name} {rest}")
    assert isinstance(parsed, Invocation | UsageError)
    assert parsed.command is REGISTRY.lookup(name)


@FAST
@given(st.text(min_size=1).filter(lambda s: s.strip() and s.strip()[0] not in "\"„“»'"))
def test_the_text_of_an_idea_is_kept_as_typed(text: str) -> None:
    parsed = REGISTRY.parse(f"!idee {text}")
    assert isinstance(parsed, Invocation)
    assert parsed.args["text"] == text.strip()


# -- the whole bot ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    data = tmp_path_factory.mktemp("props")
    store = open_store(data)
    settings_ = Settings(data_dir=data, roles={"chef": "cdo"})
    with store.transaction():
        for text in ("Akten digital führen", "WLAN im Rathaus", "Kantine bargeldlos bezahlen"):
            store.add_idea(NewIdea(text, None), NOW)
    yield Bot(store, settings_)
    store.close()


EVENTS = itertools.count()
MESSAGES = st.one_of(
    st.text(max_size=300),
    st.builds(lambda n, r: f"!{n} {r}", st.sampled_from(NAMES), st.one_of(NOISE, st.text())),
)


@SLOW
@given(MESSAGES, st.sampled_from(["anna", "chef"]), st.booleans(), st.booleans())
@example("!antwort ² Text", "chef", False, False)  # superscript digits once failed int()
@example("!vernetzen ²", "anna", False, False)
@example("!digest ³", "chef", False, False)
def test_the_bot_answers_any_message_without_an_internal_error(
    bot: Bot, text: str, who: str, direct: bool, click: bool
) -> None:
    sender = Sender(who, who.capitalize())
    event_id = f"p{next(EVENTS)}"
    event: Message | Action
    if click:
        event = Action("console", event_id, sender, text, room="r")
    else:
        event = Message("console", event_id, sender, text, room="r", is_direct=direct)
    replies = bot.handle(event, idea_room=True)
    assert all(INTERNAL not in reply.text for reply in replies)
    assert bot.handle(event, idea_room=True) == []  # and at most once


# -- search -----------------------------------------------------------------------------------


@SLOW
@given(NOISE)
def test_search_terms_with_sql_or_fts_syntax_are_inert(bot: Bot, query: str) -> None:
    store = bot.store
    with store.transaction():
        before = store.count_ideas()
        store.search_ideas(query, limit=10)
        store.people_named(query)
        assert store.count_ideas() == before


@SLOW
@given(st.sampled_from(["Akten", "WLAN", "Kantine", "bargeldlos"]), NOISE, NOISE)
def test_a_word_is_found_whatever_syntax_surrounds_it(
    bot: Bot, word: str, before: str, after: str
) -> None:
    with bot.store.transaction():
        found = bot.store.search_ideas(f"{before} {word} {after}", limit=10)
    assert any(word.lower() in idea.text.lower() for idea in found)


# -- the import reader ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("import")


def check_rows(rows: list[ImportRow | RowError], max_length: int) -> None:
    for row in rows:
        assert isinstance(row, ImportRow | RowError)
        assert row.line >= 1
        if isinstance(row, ImportRow):
            assert row.text and row.text == row.text.strip() and len(row.text) <= max_length
            assert row.status in STATUSES
            if row.created is not None:
                assert datetime.fromisoformat(row.created).utcoffset() == UTC.utcoffset(None)


@SLOW
@given(st.binary(max_size=3000), st.sampled_from([".csv", ".jsonl", ".ndjson", ".txt"]))
@example(b'"', ".csv")  # a quote not closed in the header line (strict CSV)
@example(b'text\n"nie zu\nok\n', ".csv")  # ... and in a row
def test_any_file_is_read_or_refused_with_one_message(
    folder: Path, content: bytes, suffix: str
) -> None:
    path = folder / f"any{suffix}"
    path.write_bytes(content)
    try:
        rows = list(read_rows(path, max_length=200))
    except ImportFileError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    check_rows(rows, 200)


VALUES = st.one_of(
    st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=False), st.booleans(),
    st.lists(st.integers(), max_size=2), st.sampled_from(["in Prüfung", "umgesetzt", "neu"]),
    st.sampled_from(["2026-03-01T09:30:00+01:00", "2026-03-01", "gestern"]),
)  # fmt: skip
RECORDS = st.lists(
    st.dictionaries(st.sampled_from([*FIELDS, "extra"]), VALUES, max_size=7), max_size=12
)


@SLOW
@given(RECORDS)
def test_every_jsonl_line_becomes_a_row_or_a_reported_error(
    folder: Path, records: list[dict[str, object]]
) -> None:
    path = folder / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    rows = list(read_rows(path, max_length=30))
    assert [row.line for row in rows] == list(range(1, len(records) + 1))
    check_rows(rows, 30)
    for record, row in zip(records, rows, strict=True):
        text = record.get("text")
        if isinstance(row, ImportRow):  # cleaned as chat input is
            assert clean_text(str(text)).strip() == row.text


CELL = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))


@SLOW
@given(st.lists(st.fixed_dictionaries({name: CELL for name in FIELDS}), max_size=10))
def test_every_csv_record_becomes_a_row_or_a_reported_error(
    folder: Path, records: list[dict[str, str]]
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS))
    writer.writeheader()
    writer.writerows(records)
    path = folder / "records.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    rows = list(read_rows(path, max_length=30))
    assert len(rows) == len(records)
    check_rows(rows, 30)
    for record, row in zip(records, rows, strict=True):
        if isinstance(row, ImportRow):  # line breaks inside a cell are read as "\n"
            assert row.text == clean_text(record["text"]).strip()
