from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.importer import ImportFileError, ImportRow, RowError, read_rows

CSV = """text,title,author,department,created,status
Akten digital führen,E-Akte,Anna,FD 20,2026-03-01T09:30:00+01:00,in Prüfung
,Leer,Bob,FD 10,,
"Mehrzeilig
mit Umbruch",,Carla,,2026-03-02,
Zu viele Werte,a,b,c,2026-03-03,neu,EXTRA
Datum kaputt,,Dora,,gestern,
Status kaputt,,Emil,,,vielleicht
"""


def rows(tmp_path: Path, name: str, content: str) -> list[ImportRow | RowError]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return list(read_rows(path, max_length=100))


def test_csv_rows_and_errors_with_line_numbers(tmp_path: Path) -> None:
    result = rows(tmp_path, "ideen.csv", CSV)
    good = [r for r in result if isinstance(r, ImportRow)]
    bad = {r.line: r.reason for r in result if isinstance(r, RowError)}
    assert [r.text for r in good] == ["Akten digital führen", "Mehrzeilig\nmit Umbruch"]
    assert good[0].status == "in_pruefung"
    assert good[0].created == "2026-03-01T08:30:00+00:00"
    assert good[1].created == "2026-03-02T00:00:00+00:00"
    assert set(bad) == {3, 6, 7, 8}
    assert "text" in bad[3] and "more values" in bad[6]
    assert "ISO 8601" in bad[7] and "status" in bad[8]


def test_jsonl_rows_and_errors(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "Online-Termine im Bürgerbüro", "author": "Anna"}),
        "{kaputt",
        "",
        json.dumps(["keine", "Objekt"]),
        json.dumps({"text": "x" * 101}),
        json.dumps({"text": "ok", "title": {"nested": 1}}),
        json.dumps({"title": "ohne Text"}),
    ]
    result = rows(tmp_path, "ideen.jsonl", "\n".join(lines))
    assert isinstance(result[0], ImportRow) and result[0].author == "Anna"
    assert [(r.line, type(r).__name__) for r in result[1:]] == [
        (2, "RowError"),
        (4, "RowError"),
        (5, "RowError"),
        (6, "RowError"),
        (7, "RowError"),
    ]


def test_same_content_gives_the_same_key(tmp_path: Path) -> None:
    first = rows(tmp_path, "a.jsonl", json.dumps({"text": "Idee", "author": "A"}))[0]
    again = rows(tmp_path, "b.jsonl", json.dumps({"author": "A", "text": " Idee "}))[0]
    other = rows(tmp_path, "c.jsonl", json.dumps({"text": "Idee", "author": "B"}))[0]
    assert isinstance(first, ImportRow) and isinstance(again, ImportRow)
    assert isinstance(other, ImportRow)
    assert first.key == again.key != other.key


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ideen.txt", "text\nx", "unknown file type"),
        ("ideen.csv", "titel,autor\nx,y", "including 'text'"),
        ("ideen.csv", "", "including 'text'"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        rows(tmp_path, name, content)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ideen.csv"
    path.write_bytes("text\nBürger".encode("latin-1"))
    with pytest.raises(ImportFileError, match="UTF-8"):
        list(read_rows(path))
