"""The message catalogue: every text a user reads, in German and English.

Texts live in ``bot/locales/<lang>.toml`` so they can be reviewed and changed without touching
code; a missing English text falls back to German, a missing key shows the key (and fails the
catalogue test).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "de"


@cache
def catalogue(language: str) -> dict[str, str]:
    source = resources.files("bot") / "locales" / f"{language}.toml"
    return _flatten(tomllib.loads(source.read_text(encoding="utf-8")))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


class Translator:
    def __init__(self, language: str = DEFAULT_LANGUAGE):
        self.language = language

    def __call__(self, key: str, **values: Any) -> str:
        text = catalogue(self.language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalogue(self.language) or key in catalogue(DEFAULT_LANGUAGE)
