"""Fixtures for the Slack adapter: the Web API double and the running adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import FakeClock
from tests.slack.rig import IDEAS, ROLES, USERS, SlackRig, build_app
from tests.slack.web_api import WebApiDouble


@pytest.fixture
def web_api() -> Iterator[WebApiDouble]:
    double = WebApiDouble(users=dict(USERS)).start()
    yield double
    double.stop()


@pytest.fixture
def slack_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", idea_rooms=(IDEAS,), roles=dict(ROLES))


@pytest.fixture
def rig(
    tmp_path: Path, slack_settings: Settings, web_api: WebApiDouble, clock: FakeClock
) -> Iterator[SlackRig]:
    app = build_app(tmp_path / "data", slack_settings, clock)
    opened = SlackRig(app, slack_settings, web_api, due_every=0.2)
    yield opened
    opened.close()
    app.close()
