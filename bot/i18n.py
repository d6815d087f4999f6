"""The message catalogue: every text a user reads, in German and English.

Texts live in ``bot/locales/<lang>.toml``, and a feature's own texts in
``bot/locales/<lang>.<feature>.toml``, so they can be reviewed and changed without touching
code; a missing English text falls back to German, a missing key shows the key (and fails the
catalogue test). Texts name commands as ``{prefix}hilfe``: the prefix is configured
(``command_prefix``), so the catalogue cannot spell it out. A count takes its word in singular
and plural, ``{count:Unterstützung|Unterstützungen}`` giving "1 Unterstützung" and "3
Unterstützungen": trial 9 read "1 Unterstützung(en)" as office-form German.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "de"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The language's main file and its features' files in one table; a key defined twice is
    an error, so no file silently overrides another's text."""
    folder = resources.files("bot") / "locales"
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name == f"{language}.toml"
        or (entry.name.startswith(f"{language}.") and entry.name.endswith(".toml"))
    )
    texts: dict[str, str] = {}
    for name in names:
        part = _flatten(tomllib.loads((folder / name).read_text(encoding="utf-8")))
        if twice := texts.keys() & part.keys():
            raise ValueError(f"locales/{name} defines again: {', '.join(sorted(twice))}")
        texts.update(part)
    return texts


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


class _Formatter(string.Formatter):
    """``{count:Idee|Ideen}`` is "1 Idee" or "3 Ideen"; ``{count:-arbeitet|arbeiten}`` only
    the word, for a verb that agrees with a number the text does not show."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int):
            one, many = format_spec.removeprefix("-").split("|", 1)
            word = one if value == 1 else many
            return word if format_spec.startswith("-") else f"{value} {word}"
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


class Translator:
    """The catalogue as one reader sees it: their language, and the prefix commands are typed
    with here, so every command a text or a button names is one they can type or click."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, prefix: str = "!"):
        self.language = language
        self.prefix = prefix

    def __call__(self, key: str, **values: Any) -> str:
        text = catalogue(self.language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key, key)
        return _FORMATTER.format(text, prefix=self.prefix, **values)

    def has(self, key: str) -> bool:
        return key in catalogue(self.language) or key in catalogue(DEFAULT_LANGUAGE)
