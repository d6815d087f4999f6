"""Chat commands, each declared once; usage and help are generated from the declaration.

Parsing is pure: ``parse(text)`` returns a typed value (an invocation, or why the text is
not one) and never replies by itself, so every platform answers bad input the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from knowledge.folding import fold

QUOTES = {'"': '"', "„": "“", "“": "”", "»": "«", "'": "'"}
# The roles that look after ideas and questions for everybody (status, merge, answer,
# re-route): the ``roles`` of those commands, and who may act on somebody else's idea.
STEWARDS = frozenset({"cdo", "cio", "admin"})


class ArgumentError(ValueError):
    """An argument value is not acceptable; ``key`` names the catalogue text that explains it."""

    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Param:
    name: str  # shown in the usage line, e.g. "nummer"
    parse: Callable[[str], Any] = str
    required: bool = True
    rest: bool = False  # takes the remaining text as it was typed


@dataclass(frozen=True)
class Command:
    name: str  # German name, e.g. "idee"
    aliases: tuple[str, ...]
    params: tuple[Param, ...]
    handler: Callable[..., Any]
    roles: frozenset[str] | None = None  # None: everybody may use it
    # Who else may use it, asked with the context and the parsed arguments: the plan owner a
    # question went to answers it without holding a role.
    also: Callable[[Any, dict[str, Any]], bool] | None = None
    # The refusal for someone ``also`` knows but not for these arguments, or None for the
    # roles' refusal (trial 14: a contact answering another's question read "only the CIO").
    refused: Callable[[Any, dict[str, Any]], str | None] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Invocation:
    command: Command
    args: dict[str, Any]


@dataclass(frozen=True)
class NotACommand:
    text: str


@dataclass(frozen=True)
class EmptyCommand:
    pass


@dataclass(frozen=True)
class UnknownCommand:
    name: str
    suggestion: Command | None


@dataclass(frozen=True)
class UsageError:
    command: Command
    key: str  # catalogue text
    values: dict[str, Any] = field(default_factory=dict)


Parsed = Invocation | NotACommand | EmptyCommand | UnknownCommand | UsageError


class CommandRegistry:
    """Names are kept folded (knowledge.folding): "Unterstützen", "unterstuetzen" and
    "UNTERSTÜTZEN" are the same command; commands are declared in ASCII."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._by_name: dict[str, Command] = {}

    def command(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        params: tuple[Param, ...] = (),
        roles: frozenset[str] | None = None,
        also: Callable[[Any, dict[str, Any]], bool] | None = None,
        refused: Callable[[Any, dict[str, Any]], str | None] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            declared = Command(name, aliases, params, handler, roles, also, refused)
            for each in declared.names:
                if fold(each) in self._by_name:
                    raise ValueError(f"command name {each!r} declared twice")
                self._by_name[fold(each)] = declared
            self._commands[name] = declared
            return handler

        return register

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def lookup(self, name: str) -> Command | None:
        return self._by_name.get(fold(name))

    def closest(self, name: str) -> Command | None:
        matches = difflib.get_close_matches(fold(name), list(self._by_name), n=1, cutoff=0.6)
        return self._by_name[matches[0]] if matches else None

    def parse(self, text: str, prefix: str = "!") -> Parsed:
        """``prefix`` as configured; one that ends in a space (``"/ideen "``) is a word, so
        any space may follow it, and alone it is an empty command, like a lone ``!``."""
        stripped, word = text.strip(), prefix.strip()
        if not stripped.startswith(word):
            return NotACommand(text)
        body = stripped[len(word) :]
        if word != prefix:
            if body[:1].strip():  # "/ideenfest" is not "/ideen fest"
                return NotACommand(text)
            body = body.lstrip()
        name, _, rest = body.partition(" ")
        if "\n" in name:
            name, _, more = name.partition("\n")
            rest = more + " " + rest
        name = name.strip()
        if not name:
            return EmptyCommand()
        command = self.lookup(name)
        if command is None:
            return UnknownCommand(name, self.closest(name))
        return bind(command, rest.strip())


def bind(command: Command, text: str) -> Invocation | UsageError:
    """Match the typed arguments to the command's parameters."""
    args: dict[str, Any] = {}
    remaining = text
    for param in command.params:
        if param.rest:
            raw: str | None = unquote(remaining.strip()) or None
            remaining = ""
        else:
            raw, remaining = next_token(remaining)
        if raw is None:
            if param.required:
                return UsageError(command, "error.missing_argument", {"param": param.name})
            args[param.name] = None
            continue
        try:
            args[param.name] = param.parse(raw)
        except ArgumentError as exc:
            return UsageError(command, exc.key, {"param": param.name, "value": raw, **exc.values})
    if remaining.strip():
        return UsageError(command, "error.too_many_arguments", {"extra": remaining.strip()})
    return Invocation(command, args)


def next_token(text: str) -> tuple[str | None, str]:
    """The first word or quoted phrase of ``text``, and what follows it."""
    text = text.lstrip()
    if not text:
        return None, ""
    closing = QUOTES.get(text[0])
    if closing is not None:
        end = text.find(closing, 1)
        if end == -1:  # an unclosed quote takes the rest
            return text[1:].strip() or None, ""
        return text[1:end].strip() or None, text[end + 1 :]
    word, _, rest = text.partition(" ")
    return word, rest


def unquote(text: str) -> str:
    """``"in Prüfung"`` -> ``in Prüfung``: quotes around a whole rest argument are dropped."""
    if len(text) >= 2 and QUOTES.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def parse_number(raw: str) -> int:
    """An idea or question number, written "12" or "#12"."""
    value = raw.lstrip("#")
    if not value.isdecimal() or int(value) <= 0 or len(value) > 12:  # "²" is a digit, no number
        raise ArgumentError("error.not_a_number")
    return int(value)


REGISTRY = CommandRegistry()  # the chat commands; bot.handlers declares them all
