"""Reading idea files (CSV or JSONL) into rows, reporting each broken row by its line.

A broken row never stops an import: the good rows are kept and every problem is listed, so a
person can fix the file and import it again (rows already imported are recognised by their
content and not added twice).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import ArgumentError
from bot.statuses import Status, parse_status
from bot.text_input import clean_text

FIELDS = ("text", "title", "author", "department", "created", "status")


@dataclass(frozen=True)
class ImportRow:
    line: int
    text: str
    title: str | None = None
    author: str | None = None
    department: str | None = None
    created: str | None = None  # ISO 8601, UTC
    status: Status = Status.NEW

    @property
    def key(self) -> str:
        """Identifies the row's content, so re-importing a file adds nothing twice."""
        content = [self.text, self.title, self.author, self.department, self.created]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, unknown encoding, no text column)."""


def read_rows(path: Path, *, max_length: int = 4000) -> Iterator[ImportRow | RowError]:
    """Check the file as a whole at once, then yield its rows one by one."""
    suffix = path.suffix.lower()
    content = _decode(path)
    if suffix == ".csv":
        records = _csv_records(content, path)
    elif suffix in (".jsonl", ".ndjson"):
        records = _jsonl_records(content)
    else:
        raise ImportFileError(f"{path}: unknown file type; use .csv or .jsonl")
    return _rows(records, max_length)


def _decode(path: Path) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (what Excel writes in Germany)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path}: neither UTF-8 nor Windows-1252 text (byte {exc.start})"
        ) from exc


def _rows(
    records: Iterator[tuple[int, dict[str, Any] | str]], max_length: int
) -> Iterator[ImportRow | RowError]:
    for line, record in records:
        if isinstance(record, str):
            yield RowError(line, record)
        else:
            yield to_row(line, record, max_length)


def count_records(path: Path) -> int:
    """Roughly how many rows a file has, for the progress bar."""
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


def _csv_records(content: str, path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    # no field can be longer than the file: an oversized one is read whole and reported
    csv.field_size_limit(max(csv.field_size_limit(), len(content) + 1))
    header = next(iter(content.splitlines()), "")
    delimiter = max(",;\t", key=header.count)  # a tie (none of them): ","
    # strict: an unclosed quote is an error, not the rest of the file as one text (trial 23)
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        names = reader.fieldnames
    except csv.Error as exc:  # a quote not closed in the first line
        raise ImportFileError(f"{path}: the first line is not valid CSV ({exc})") from exc
    if names is None or "text" not in [f.strip() for f in names]:
        raise ImportFileError(f"{path}: the first line must name the columns, including 'text'")
    return _csv_rows(reader)


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    line = 1
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = max(reader.line_num, start)
            yield start, f"not valid CSV ({exc}): please check the quotes"
            continue
        line = reader.line_num
        if None in record:
            yield start, "more values than column names"
            continue
        yield start, {k.strip(): v for k, v in record.items() if k is not None and v is not None}


def _jsonl_records(content: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg})"
            continue
        except RecursionError:
            yield number, "not valid JSON (nested too deeply)"
            continue
        except ValueError:  # an integer of more than 4300 digits
            yield number, "not valid JSON (a number is too long)"
            continue
        if not isinstance(record, dict):
            yield number, "not a JSON object"
            continue
        yield number, record


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "a list" if isinstance(value, list) else "an object"


def to_row(line: int, record: dict[str, Any], max_length: int) -> ImportRow | RowError:
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(name)
        if name in record and not isinstance(value, str) and (value is not None or name == "text"):
            return RowError(line, f"'{name}' must be text, not {_kind(value)}")
        # cleaned as chat input is (bot.text_input); text keeps the author's paragraphs, other
        # fields are one line
        value = clean_text(value or "")
        value = value.strip() if name == "text" else " ".join(value.split())
        if len(value) > max_length:
            return RowError(
                line, f"'{name}' has {len(value)} characters, more than the {max_length} allowed"
            )
        values[name] = value or None
    text = values["text"]
    if not text:
        return RowError(line, "'text' is missing or empty")
    created = values["created"]
    if created is not None:
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            return RowError(
                line, f"'created' is not an ISO 8601 date: {created!r} (e.g. 2024-01-31)"
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if moment > datetime.now(UTC) + timedelta(days=1):  # trial 23 imported the year 9999
            return RowError(line, f"'created' lies in the future: {created!r}")
        created = moment.astimezone(UTC).isoformat(timespec="seconds")
    status = Status.NEW
    if values["status"]:
        try:
            status = parse_status(values["status"])
        except ArgumentError:
            known = "neu, in Prüfung, in Umsetzung, umgesetzt, abgelehnt"
            return RowError(line, f"unknown status {values['status']!r} (known: {known})")
    return ImportRow(
        line, text, values["title"], values["author"], values["department"], created, status
    )
