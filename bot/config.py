"""Settings from ``ideenlotse.toml`` and the environment.

The file holds what an administrator decides (rooms, roles, language, limits); secrets such as
tokens and passwords are read from the environment only and never from the file, so a config
file can be shared or checked in without leaking anything.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_keys import unknown_setting
from bot.crontab import ScheduleError, parse_schedule
from bot.i18n import Translator
from knowledge.records import ROLES

log = logging.getLogger(__name__)
LANGUAGES = ("de", "en")
# Names of settings that hold secrets: tokens, passwords, client secrets, credentials and any
# ``..key`` (api_key, access_key, private_key); none of the real settings matches.
SECRET_NAME = re.compile(r"token|passw|secret|credential|(^|[_-])pwd$|keys?$", re.IGNORECASE)
# The user (and password) part of a URL: ``https://user:pass@host/`` -> ``user:pass@``.
URL_USERINFO = re.compile(r"(?<=://)[^/?#\s]+@")
DEFAULT_HOLIDAY_STATE = "NI"  # Niedersachsen


def holiday_states() -> tuple[str, ...]:
    """The German states' codes the ``holidays`` package knows (imported only when needed)."""
    import holidays

    return tuple(sorted(set(holidays.Germany.subdivisions_aliases.values())))


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change.

    URLs in the message lose their credentials: the message is printed and logged.
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact_urls(message))


def redact_urls(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``."""
    return URL_USERINFO.sub("***@", text)


@dataclass(frozen=True)
class QuestionSettings:
    """How questions reach role holders and when unanswered ones are reminded.

    The SLA counts working hours only (Monday to Friday within ``work_start``-``work_end`` in
    ``timezone``, without the public holidays of ``holiday_state``), so a question asked on
    Friday evening is not overdue on Monday morning.
    """

    triage_room: str | None = None  # set: deliver questions there instead of direct messages
    sla_hours: float = 16.0  # working hours until the first reminder, and again until the admin
    work_start: time = time(8, 0)
    work_end: time = time(16, 0)
    timezone: str = "Europe/Berlin"
    holiday_state: str = DEFAULT_HOLIDAY_STATE


DEVICE_TRUST = ("all", "tofu")


@dataclass(frozen=True)
class MatrixSettings:
    """Who may invite the bot, and which devices of room members get its encryption keys.

    ``allowed_inviters`` lists user ids (``@anna:partner.de``) and server names
    (``partner.de``) besides the bot's own homeserver, whose users are always accepted.
    ``device_trust``: ``all`` encrypts for every device of the room's members, verified or not
    (what Element does by default); ``tofu`` trusts the devices a user has when the bot first
    sees them and withholds keys from devices added later (a stolen login cannot read along).
    """

    allowed_inviters: tuple[str, ...] = ()
    device_trust: str = "all"
    encrypt_direct_rooms: bool = True
    due_interval_seconds: float = 30.0


ERASE_MODES = ("delete", "anonymise")


@dataclass(frozen=True)
class PrivacySettings:
    """What ``!vergiss-mich`` does with a person's ideas and questions, and how long data lives.

    ``retention_days``: ideas, questions, introductions and audit entries untouched for that
    long are deleted (0: kept until deleted by hand). ``event_days``: how long the ids of
    handled platform events are kept to recognise replays (platforms retry within minutes).
    """

    erase_mode: str = "delete"  # or "anonymise": kept without any link to the person
    retention_days: int = 730
    event_days: int = 30


@dataclass(frozen=True)
class DigestSettings:
    """When the weekly synergy digest goes to the CDO, and what it may show.

    ``schedule`` is a crontab line (minute hour day month weekday) in ``timezone``; weekdays
    are written as names (mon..sun) because APScheduler 3 counts numbers from Monday=0, unlike
    cron. An empty schedule turns the scheduled digest off (``!digest`` still works).
    ``staff_council``: the agreement with the staff council - no person is named or ranked
    in the digest, and suggested introductions appear only as a count.
    """

    schedule: str = "0 8 * * mon"
    timezone: str = "Europe/Berlin"
    days: int = 7
    staff_council: bool = False


DEFAULT_WEB_PORT = 8088


@dataclass(frozen=True)
class WebSettings:
    """Where the Lagebild cockpit is served and how people reach it.

    ``url``: the address in login links (``IDEENLOTSE_WEB_URL``; behind a reverse proxy with
    TLS, ``https://lagebild.stadt.de``): a link made by one process must open the server another
    process runs. ``port``: where ``ideenlotse run`` serves it too (``IDEENLOTSE_WEB_PORT``;
    None: not served by ``run``).
    """

    url: str | None = None
    port: int | None = None

    def base_url(self, port: int | None = None) -> str:
        if self.url:
            return self.url.rstrip("/")
        return f"http://127.0.0.1:{port or self.port or DEFAULT_WEB_PORT}"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    language: str = "de"
    command_prefix: str = "!"
    idea_rooms: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # platform user id -> role
    max_text_length: int = 4000
    search_results: int = 10
    model: str | None = None  # None: the bundled multilingual-e5-small
    questions: QuestionSettings = field(default_factory=QuestionSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    messages_per_minute: int = 30  # per person on chat platforms; the console is exempt
    matrix: MatrixSettings = field(default_factory=MatrixSettings)
    web: WebSettings = field(default_factory=WebSettings)
    config_file: Path | None = None  # where these came from: roles are re-read when it changes
    # Console users' own `chat --role` (user id -> role), set by the console alone: they hold
    # a role the config leaves empty, so that in a trial in the terminal questions reach the
    # CDO and CIO who said who they are (trial 9 read "nobody answers questions" on each).
    claimed_roles: dict[str, str] = field(default_factory=dict)

    def role_for(self, user_id: str, claimed: str | None = None) -> str | None:
        """The configured role; else a console claim to a role the config gives nobody (a
        claim to a configured role would let any shell user read that role's questions)."""
        if user_id in self.roles:
            return self.roles[user_id]
        return claimed if claimed and claimed not in self.roles.values() else None

    def holders(self, role: str) -> tuple[str, ...]:
        """Platform user ids configured for ``role``, in config order; where the config names
        nobody, those who claimed it in the console."""
        configured = tuple(user for user, each in self.roles.items() if each == role)
        return configured or tuple(u for u, each in self.claimed_roles.items() if each == role)

    def is_idea_room(self, room: str | None) -> bool:
        return room is not None and room in self.idea_rooms

    def translator(self, language: str | None = None) -> Translator:
        """The catalogue as one reader gets it: in their language (None: the configured one),
        with this bot's command prefix, so each command a text names is one they can type."""
        return Translator(language or self.language, self.command_prefix)


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
    if (unknown := unknown_setting(raw)) is not None:
        raise ConfigError(f"{path}: {unknown}")
    return _settings_from(raw, env, path)


def _reject_secrets(value: Any, path: Path, name: str = "") -> None:
    """Refuse secret-like names and URLs with credentials, in tables and arrays at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if SECRET_NAME.search(key):
                raise ConfigError(
                    f"{path}: '{name}{key}' looks like a secret; set it in the environment instead"
                )
            _reject_secrets(item, path, f"{name}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_secrets(item, path, f"{name.removesuffix('.')}[{index}].")
    elif isinstance(value, str) and URL_USERINFO.search(value):
        raise ConfigError(
            f"{path}: '{name.removesuffix('.')}' holds a URL with credentials;"
            " set them in the environment instead"
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
        search_results=_positive_int(limits, "search_results", 10, path),
        model=raw.get("matching", {}).get("model"),
        questions=_question_settings(raw.get("questions", {}), path),
        digest=_digest_settings(raw.get("digest", {}), path),
        privacy=_privacy_settings(raw.get("privacy", {}), path),
        messages_per_minute=_positive_int(limits, "messages_per_minute", 30, path),
        matrix=_matrix_settings(raw.get("matrix", {}), path),
        web=web_settings(env),
        config_file=path.resolve() if path.exists() else None,
    )


def web_settings(env: dict[str, str]) -> WebSettings:
    """The cockpit's address and port from the environment (both belong to the deployment,
    like the platforms' addresses, not to the administrator's file)."""
    url = env.get("IDEENLOTSE_WEB_URL", "").strip() or None
    if url is not None and not url.startswith(("http://", "https://")):
        raise ConfigError("IDEENLOTSE_WEB_URL must start with http:// or https://")
    raw_port = env.get("IDEENLOTSE_WEB_PORT", "").strip()
    port = None
    if raw_port:
        if not raw_port.isdecimal() or not 0 < int(raw_port) < 65536:
            raise ConfigError("IDEENLOTSE_WEB_PORT must be a port number (1-65535)")
        port = int(raw_port)
    return WebSettings(redact_urls(url) if url else None, port)


def _matrix_settings(table: Any, path: Path) -> MatrixSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '[matrix]' must be a table")
    inviters = _str_list(table.get("allowed_inviters", []), "matrix.allowed_inviters", path)
    trust = table.get("device_trust", "all")
    if trust not in DEVICE_TRUST:
        raise ConfigError(f"{path}: 'matrix.device_trust' must be one of {', '.join(DEVICE_TRUST)}")
    encrypt = table.get("encrypt_direct_rooms", True)
    if not isinstance(encrypt, bool):
        raise ConfigError(f"{path}: 'matrix.encrypt_direct_rooms' must be true or false")
    interval = table.get("due_interval_seconds", 30)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
        raise ConfigError(f"{path}: 'matrix.due_interval_seconds' must be a number above 0")
    return MatrixSettings(tuple(inviters), trust, encrypt, float(interval))


def _privacy_settings(table: Any, path: Path) -> PrivacySettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '[privacy]' must be a table")
    mode = table.get("erase_mode", "delete")
    if mode not in ERASE_MODES:
        raise ConfigError(f"{path}: 'privacy.erase_mode' must be one of {', '.join(ERASE_MODES)}")
    days = {}
    for key, default in (("retention_days", 730), ("event_days", 30)):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{path}: 'privacy.{key}' must be a whole number of days (0: off)")
        days[key] = value
    return PrivacySettings(mode, days["retention_days"], days["event_days"])


def _digest_settings(table: Any, path: Path) -> DigestSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '[digest]' must be a table")
    schedule = table.get("schedule", "0 8 * * mon")
    zone = table.get("timezone", "Europe/Berlin")
    if not isinstance(schedule, str):
        raise ConfigError(f"{path}: 'digest.schedule' must be a crontab line like \"0 8 * * mon\"")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: 'digest.timezone' {zone!r} is not a known time zone") from exc
    if schedule.strip():
        try:
            parse_schedule(schedule, str(zone))
        except ScheduleError as exc:
            raise ConfigError(f"{path}: 'digest.schedule' {exc}") from exc
    days = table.get("days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ConfigError(f"{path}: 'digest.days' must be a whole number from 1 to 366")
    council = table.get("staff_council", False)
    if not isinstance(council, bool):
        raise ConfigError(f"{path}: 'digest.staff_council' must be true or false")
    return DigestSettings(schedule.strip(), str(zone), days, council)


def _question_settings(table: Any, path: Path) -> QuestionSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '[questions]' must be a table")
    room = table.get("triage_room")
    if room is not None and (not isinstance(room, str) or not room.strip()):
        raise ConfigError(f"{path}: 'questions.triage_room' must be a room id")
    sla = table.get("sla_hours", 16)
    if isinstance(sla, bool) or not isinstance(sla, int | float) or not 0 < sla <= 1000:
        raise ConfigError(f"{path}: 'questions.sla_hours' must be a number of hours above 0")
    start, end = _working_hours(table.get("working_hours", "08:00-16:00"), path)
    zone = table.get("timezone", "Europe/Berlin")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"{path}: 'questions.timezone' {zone!r} is not a known time zone"
        raise ConfigError(message) from exc
    state = table.get("holiday_state", DEFAULT_HOLIDAY_STATE)
    if state != DEFAULT_HOLIDAY_STATE and state not in holiday_states():
        valid = ", ".join(holiday_states())
        raise ConfigError(f"{path}: 'questions.holiday_state' {state!r} must be one of {valid}")
    return QuestionSettings(room, float(sla), start, end, str(zone), state)


def _working_hours(value: Any, path: Path) -> tuple[time, time]:
    """``"08:00-16:00"`` -> (08:00, 16:00); the end must be after the start."""
    message = f"{path}: 'questions.working_hours' must look like \"08:00-16:00\""
    if not isinstance(value, str) or value.count("-") != 1:
        raise ConfigError(message)
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ConfigError(message) from exc
    if end <= start:
        raise ConfigError(f"{path}: 'questions.working_hours' must end after it starts")
    return start, end


def _str_list(value: Any, key: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value


def _positive_int(table: dict[str, Any], key: str, default: int, path: Path) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{path}: 'limits.{key}' must be a positive whole number")
    return value


def reload_roles(settings: Settings) -> Settings:
    """The settings with the roles as the config file says now: a role taken away in the file
    is gone with the next message, without a restart. A file that no longer loads keeps the
    roles as they were (and says so in the log) rather than leaving nobody in charge."""
    if settings.config_file is None:
        return settings
    try:
        fresh = load_settings(settings.config_file)
    except (ConfigError, OSError) as exc:
        log.error("roles not reloaded: %s", exc)
        return settings
    if fresh.roles == settings.roles:
        return settings
    log.info("roles reloaded from %s", settings.config_file)
    return replace(settings, roles=fresh.roles)
