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


def test_neither_utf8_nor_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "ideen.csv"
    path.write_bytes(b"text\nB\x81rger")  # 0x81 is not a Windows-1252 character
    with pytest.raises(ImportFileError, match="UTF-8"):
        list(read_rows(path))


def test_an_oversized_csv_field_is_one_row_error(tmp_path: Path) -> None:
    huge = "x" * 200_000  # more than csv.field_size_limit() (131,072)
    content = f'text,title\nerste,a\n"{huge}\n{huge}",b\nzweite,c\ndritte,"{huge}"\nvierte,d\n'
    result = rows(tmp_path, "ideen.csv", content)
    assert [(r.line, r.text) for r in result if isinstance(r, ImportRow)] == [
        (2, "erste"),
        (5, "zweite"),
        (7, "vierte"),
    ]
    bad = {r.line: r.reason for r in result if isinstance(r, RowError)}
    assert bad == {
        3: "'text' has 400001 characters, more than the 100 allowed",
        6: "'title' has 200000 characters, more than the 100 allowed",
    }


def test_a_deeply_nested_jsonl_line_is_one_row_error(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = [
        '{"text": "vorher"}',
        deep,
        '{"text": ' + deep + "}",
        "1" * 5000,
        '{"text": "nachher"}',
    ]
    result = rows(tmp_path, "ideen.jsonl", "\n".join(lines))
    assert [(r.line, type(r).__name__) for r in result] == [
        (1, "ImportRow"),
        (2, "RowError"),
        (3, "RowError"),
        (4, "RowError"),
        (5, "ImportRow"),
    ]
    assert isinstance(result[1], RowError) and "nested too deeply" in result[1].reason


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_csv_delimiter_and_windows_1252_from_german_excel(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "ideen.csv"
    header = delimiter.join(["text", "department", "status"])
    row = delimiter.join(['"Termine im Bürgerbüro; online"', "FD 32", "in Prüfung"])
    path.write_bytes(f"{header}\r\n{row}\r\n".encode("cp1252"))
    [result] = read_rows(path)
    assert result == ImportRow(2, "Termine im Bürgerbüro; online", department="FD 32",
                               status="in_pruefung")  # fmt: skip


def test_a_short_csv_row_misses_its_text(tmp_path: Path) -> None:
    assert rows(tmp_path, "ideen.csv", "title,text\nnur Titel\n") == [
        RowError(2, "'text' is missing or empty")
    ]


def test_utf8_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "ideen.csv"
    path.write_text("text;author\nBürgerbüro;Jörg\n", encoding="utf-8-sig")
    [result] = read_rows(path)
    assert isinstance(result, ImportRow) and (result.text, result.author) == ("Bürgerbüro", "Jörg")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"text": 42}, "'text' must be text, not a number"),
        ({"text": 4.2}, "'text' must be text, not a number"),
        ({"text": True}, "'text' must be text, not true/false"),
        ({"text": None}, "'text' must be text, not null"),
        ({"text": ["a"]}, "'text' must be text, not a list"),
        ({"text": {"a": "b"}}, "'text' must be text, not an object"),
        ({"text": "ok", "author": 7}, "'author' must be text, not a number"),
        ({"text": "ok", "status": False}, "'status' must be text, not true/false"),
    ],
)
def test_jsonl_values_that_are_not_text(
    tmp_path: Path, record: dict[str, object], reason: str
) -> None:
    assert rows(tmp_path, "ideen.jsonl", json.dumps(record)) == [RowError(1, reason)]


def test_jsonl_null_in_an_optional_field_means_absent(tmp_path: Path) -> None:
    [result] = rows(tmp_path, "ideen.jsonl", json.dumps({"text": "ok", "title": None}))
    assert isinstance(result, ImportRow) and result.title is None
