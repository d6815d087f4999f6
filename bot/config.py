"""Settings from ``ideenlotse.toml`` and the environment.

The file holds what an administrator decides (rooms, roles, language, limits); secrets such as
tokens and passwords are read from the environment only and never from the file, so a config
file can be shared or checked in without leaking anything.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.records import ROLES

LANGUAGES = ("de", "en")
SECRET_KEYS = ("token", "password", "secret")


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    language: str = "de"
    command_prefix: str = "!"
    idea_rooms: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # platform user id -> role
    max_text_length: int = 4000
    search_results: int = 5
    model: str | None = None  # None: the bundled multilingual-e5-small

    def role_for(self, user_id: str) -> str | None:
        return self.roles.get(user_id)

    def is_idea_room(self, room: str | None) -> bool:
        return room is not None and room in self.idea_rooms


def load_settings(
    config_path: Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read the config file (if present) and apply the environment on top."""
    env = dict(os.environ if environ is None else environ)
    path = Path(config_path or env.get("IDEENLOTSE_CONFIG", "ideenlotse.toml"))
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    elif config_path is not None or "IDEENLOTSE_CONFIG" in env:
        raise ConfigError(f"{path}: config file not found")
    _reject_secrets(raw, path)
    return _settings_from(raw, env, path)


def _reject_secrets(raw: dict[str, Any], path: Path, prefix: str = "") -> None:
    for key, value in raw.items():
        if isinstance(value, dict):
            _reject_secrets(value, path, f"{prefix}{key}.")
        elif any(word in key.lower() for word in SECRET_KEYS):
            raise ConfigError(
                f"{path}: '{prefix}{key}' looks like a secret; set it in the environment instead"
            )


def _settings_from(raw: dict[str, Any], env: dict[str, str], path: Path) -> Settings:
    language = env.get("IDEENLOTSE_LANGUAGE", raw.get("language", "de"))
    if language not in LANGUAGES:
        raise ConfigError(f"{path}: language must be one of {', '.join(LANGUAGES)}")
    roles: dict[str, str] = {}
    for role, users in raw.get("roles", {}).items():
        if role not in ROLES:
            raise ConfigError(f"{path}: unknown role '{role}' (known: {', '.join(ROLES)})")
        for user in _str_list(users, f"roles.{role}", path):
            roles[user] = role
    limits = raw.get("limits", {})
    rooms = raw.get("rooms", {})
    return Settings(
        data_dir=Path(env.get("IDEENLOTSE_DATA_DIR", raw.get("data_dir", "data"))),
        language=language,
        command_prefix=str(raw.get("command_prefix", "!")),
        idea_rooms=tuple(_str_list(rooms.get("ideas", []), "rooms.ideas", path)),
        roles=roles,
        max_text_length=_positive_int(limits, "max_text_length", 4000, path),
        search_results=_positive_int(limits, "search_results", 5, path),
        model=raw.get("matching", {}).get("model"),
    )


def _str_list(value: Any, key: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value


def _positive_int(table: dict[str, Any], key: str, default: int, path: Path) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{path}: 'limits.{key}' must be a positive whole number")
    return value
