"""The command parser, table-driven: parsing is pure and never replies."""

from __future__ import annotations

import pytest

from bot.commands import (
    EmptyCommand,
    Invocation,
    NotACommand,
    UnknownCommand,
    UsageError,
    next_token,
)
from bot.handlers import REGISTRY


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("!idee Akten digital führen", "idee", {"text": "Akten digital führen"}),
        ("!idea Akten digital", "idee", {"text": "Akten digital"}),
        ("  !IDEE  Leerzeichen  egal ", "idee", {"text": "Leerzeichen  egal"}),
        ("!idee Zeile eins\nZeile zwei", "idee", {"text": "Zeile eins\nZeile zwei"}),
        ("!idee\nText in neuer Zeile", "idee", {"text": "Text in neuer Zeile"}),
        ("!suche E-Rechnung", "suche", {"query": "E-Rechnung"}),
        ("!search open data", "suche", {"query": "open data"}),
        ("!unterstuetzen 12", "unterstuetzen", {"number": 12}),
        ("!support #7", "unterstuetzen", {"number": 7}),
        ("!unterstützen 12", "unterstuetzen", {"number": 12}),
        ("!Unterstützen #12", "unterstuetzen", {"number": 12}),
        ("!nicht-ähnlich 3 4", "nicht-aehnlich", {"number": 3, "other": 4}),
        ("!zusammenführen 3 4", "zusammenfuehren", {"number": 3, "target": 4}),
        ("!hilfe unterstützen", "hilfe", {"command": "unterstützen"}),
        ("!status 3 in Prüfung", "status", {"number": 3, "status": "in_pruefung"}),
        ('!status 3 "in Prüfung"', "status", {"number": 3, "status": "in_pruefung"}),
        ("!status 3 „in Umsetzung“", "status", {"number": 3, "status": "in_umsetzung"}),
        ("!status #3 UMGESETZT", "status", {"number": 3, "status": "umgesetzt"}),
        ("!status 3 in pruefung", "status", {"number": 3, "status": "in_pruefung"}),
        ("!status 3 rejected", "status", {"number": 3, "status": "abgelehnt"}),
        ("!interessen", "interessen", {"topics": None}),
        ("!interessen E-Akte, Open Data", "interessen", {"topics": "E-Akte, Open Data"}),
        ("!hilfe", "hilfe", {"command": None}),
        ("!hilfe suche", "hilfe", {"command": "suche"}),
        ("!help !idee", "hilfe", {"command": "!idee"}),
    ],
)
def test_parses_commands(text: str, command: str, args: dict[str, object]) -> None:
    parsed = REGISTRY.parse(text)
    assert isinstance(parsed, Invocation)
    assert parsed.command.name == command
    assert parsed.args == args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Eine ganz normale Nachricht", NotACommand),
        ("", NotACommand),
        ("Frage: geht das?!", NotACommand),
        ("!", EmptyCommand),
        ("!   ", EmptyCommand),
        ("!ide Tippfehler", UnknownCommand),
        ("!gibtsnicht", UnknownCommand),
    ],
)
def test_recognises_what_is_not_an_invocation(text: str, expected: type) -> None:
    assert isinstance(REGISTRY.parse(text), expected)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("!ide x", "idee"),
        ("!sueche x", "suche"),
        ("!unterstüzen 1", "unterstuetzen"),
        ("!hilf", "hilfe"),
        ("!serch x", "suche"),
        ("!xyzzy", None),
    ],
)
def test_suggests_the_closest_command(text: str, suggestion: str | None) -> None:
    parsed = REGISTRY.parse(text)
    assert isinstance(parsed, UnknownCommand)
    assert (parsed.suggestion.name if parsed.suggestion else None) == suggestion


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("!idee", "error.missing_argument"),
        ("!idee    ", "error.missing_argument"),
        ("!suche", "error.missing_argument"),
        ("!unterstuetzen", "error.missing_argument"),
        ("!unterstuetzen zwölf", "error.not_a_number"),
        ("!unterstuetzen 0", "error.not_a_number"),
        ("!unterstuetzen -3", "error.not_a_number"),
        ("!unterstuetzen 12 13", "error.too_many_arguments"),
        ("!status 12", "error.missing_argument"),
        ("!status 12 vielleicht", "status.unknown"),
        ("!hilfe idee suche", "error.too_many_arguments"),
    ],
)
def test_reports_usage_errors_as_values(text: str, key: str) -> None:
    parsed = REGISTRY.parse(text)
    assert isinstance(parsed, UsageError)
    assert parsed.key == key


@pytest.mark.parametrize(
    ("text", "token", "rest"),
    [
        ("eins zwei", "eins", "zwei"),
        ('"zwei Wörter" danach', "zwei Wörter", " danach"),
        ("„deutsch“ zitiert", "deutsch", " zitiert"),
        ('"offen ohne Ende', "offen ohne Ende", ""),
        ("   ", None, ""),
    ],
)
def test_next_token(text: str, token: str | None, rest: str) -> None:
    assert next_token(text) == (token, rest)


def test_every_name_is_declared_once_and_other_prefixes_work() -> None:
    names = [name for command in REGISTRY for name in command.names]
    assert len(names) == len(set(names))
    assert isinstance(REGISTRY.parse("?idee x", prefix="?"), Invocation)
    assert isinstance(REGISTRY.parse("!idee x", prefix="?"), NotACommand)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ideen idee x", Invocation),
        ("/ideen   idee x", Invocation),
        ("/ideen\nidee x", Invocation),
        ("/ideen", EmptyCommand),
        ("/ideen   ", EmptyCommand),
        ("/ideenfest im Rathaus", NotACommand),
        ("!idee x", NotACommand),
    ],
)
def test_a_word_prefix_is_followed_by_any_space(text: str, expected: type) -> None:
    assert isinstance(REGISTRY.parse(text, prefix="/ideen "), expected)
