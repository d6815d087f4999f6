"""The per-person rate limit: a flood is answered once, politely, and costs nothing after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.core import Bot
from bot.events import Message, Sender
from bot.ratelimit import RateLimiter
from knowledge.open import open_store
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_burst_passes_a_flood_is_refused_and_time_refills() -> None:
    limiter = RateLimiter(per_minute=6)
    assert all(limiter.allow("matrix", "@a", T0) for _ in range(6))
    assert limiter.allow("matrix", "@a", T0) is False  # refused: tell once
    assert limiter.allow("matrix", "@a", T0) is None  # refused: silent
    assert limiter.allow("matrix", "@b", T0) is True  # others are not affected
    assert limiter.allow("matrix", "@a", T0 + timedelta(seconds=10)) is True  # one token back
    assert limiter.allow("matrix", "@a", T0 + timedelta(seconds=10)) is False  # told again
    assert limiter.allow("console", "anna", T0) is True  # the operator's terminal


def test_the_bot_answers_a_flood_once_and_stores_nothing_of_it(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    store = open_store(tmp_path)
    bot = Bot(store, Settings(data_dir=tmp_path, messages_per_minute=5), clock=clock)

    def send(n: int, user: str = "@flood:stadt.example") -> list[str]:
        message = Message("slack", f"e{user}{n}", Sender(user, "Flood"), f"!idee Idee {n}", "C1")
        return [reply.text for reply in bot.handle(message, idea_room=True)]

    for n in range(5):
        assert "gespeichert" in send(n)[0]
    [told] = send(5)
    assert "sehr viele Nachrichten" in told and "Sekunden" in told
    assert "Sie" in told and "Idee 5" not in told
    assert [send(n) for n in range(6, 20)] == [[]] * 14  # silent, not claimed, not stored
    with store.transaction():
        assert store.count_ideas() == 5
    assert "gespeichert" in send(1, "@calm:stadt.example")[0]
    clock.advance(seconds=60)
    assert "gespeichert" in send(20)[0]
    store.close()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[privacy]\nerase_mode = 'shred'", "privacy.erase_mode' must be one of delete, anonymise"),
        ("[privacy]\nretention_days = -1", "privacy.retention_days' must be a whole number"),
        ("[privacy]\nevent_days = 'x'", "privacy.event_days' must be a whole number"),
        ("privacy = 3", "'[privacy]' must be a table"),
        ("[limits]\nmessages_per_minute = 0", "limits.messages_per_minute' must be a positive"),
    ],
)
def test_bad_privacy_settings_are_one_clear_line(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path, {})


def test_privacy_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(
        "[privacy]\nerase_mode = 'anonymise'\nretention_days = 0\nevent_days = 7\n"
        "[limits]\nmessages_per_minute = 12\n",
        encoding="utf-8",
    )
    settings = load_settings(path, {})
    assert settings.privacy.erase_mode == "anonymise"
    assert (settings.privacy.retention_days, settings.privacy.event_days) == (0, 7)
    assert settings.messages_per_minute == 12
    path.write_text("", encoding="utf-8")
    defaults = load_settings(path, {})
    assert defaults.privacy.erase_mode == "delete" and defaults.messages_per_minute == 30
