"""`ideenlotse run` with a chat platform logs like a service (trial 29 saw no line)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from adapters.cli_run import log_as_service

OURS = ("adapters", "bot", "knowledge", "matching")


@pytest.fixture
def levels() -> Iterator[None]:
    before = {name: logging.getLogger(name).level for name in (*OURS, "aiohttp")}
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("levels")
def test_our_loggers_speak_at_info_and_libraries_stay_quiet() -> None:
    logging.getLogger().setLevel(logging.WARNING)
    log_as_service()
    assert all(logging.getLogger(f"{n}.x").isEnabledFor(logging.INFO) for n in OURS)
    assert not logging.getLogger("aiohttp.access").isEnabledFor(logging.INFO)
    logging.getLogger("bot").setLevel(logging.DEBUG)  # -v or a config asked for more
    log_as_service()
    assert logging.getLogger("bot").level == logging.DEBUG
