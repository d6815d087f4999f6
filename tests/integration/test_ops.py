"""Health, metrics and logs: what an operator sees of a running bot, and what they never see."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY

from adapters.cli_run import serve_platforms
from bot import ops
from bot.app import App
from bot.config import ConfigError, Settings
from bot.core import Bot
from knowledge.store import Store
from tests.conftest import Say

SECRET = "Streng vertrauliche Idee zur Personalakte 4711"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_handled_replayed_and_failed_events_are_counted_and_timed(
    say: Say, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled = "ideenlotse_messages_handled_total"
    before = {
        o: sample(handled, platform="console", outcome=o) for o in ("answered", "replayed", "error")
    }
    errors = sample("ideenlotse_errors_total", platform="console")
    timed = sample("ideenlotse_reply_latency_seconds_count", platform="console")

    assert say("Eingangsrechnungen automatisch verarbeiten", event_id="$1")
    assert say("Eingangsrechnungen automatisch verarbeiten", event_id="$1") == []  # replay

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store broke")

    monkeypatch.setattr(bot, "_dispatch", broken)
    [reply] = say("!hilfe", event_id="$2")
    assert reply.text.startswith("Entschuldigung, bei mir ist gerade etwas schiefgegangen")

    assert sample(handled, platform="console", outcome="answered") == before["answered"] + 1
    assert sample(handled, platform="console", outcome="replayed") == before["replayed"] + 1
    assert sample(handled, platform="console", outcome="error") == before["error"] + 1
    assert sample("ideenlotse_errors_total", platform="console") == errors + 1
    assert sample("ideenlotse_reply_latency_seconds_count", platform="console") == timed + 3
    assert sample("ideenlotse_queue_length") == 0  # nothing left waiting


def test_info_logs_carry_ids_and_outcome_but_never_the_text(
    say: Say, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        say(SECRET, event_id="$secret")
        say(f"!suche {SECRET}", event_id="$search")
        say(SECRET, event_id="$secret")  # a replay is logged too
    lines = [ops.JsonFormatter().format(record) for record in caplog.records]
    assert lines and all("Personalakte" not in line and "4711" not in line for line in lines)
    handled = [entry for entry in map(json.loads, lines) if "outcome" in entry]
    assert [(h["event_id"], h["outcome"]) for h in handled] == [
        ("$secret", "answered"), ("$search", "answered"), ("$secret", "replayed")]  # fmt: skip
    assert all(isinstance(h["latency_ms"], float) and h["platform"] == "console" for h in handled)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ops.OpsSettings("127.0.0.1", 9108, "text")),
        ({"IDEENLOTSE_METRICS_PORT": "0"}, ops.OpsSettings("127.0.0.1", 0, "text")),
        ({"IDEENLOTSE_METRICS_HOST": "0.0.0.0", "IDEENLOTSE_LOG_FORMAT": "json"},
         ops.OpsSettings("0.0.0.0", 9108, "json")),
    ],
)  # fmt: skip
def test_ops_settings_come_from_the_environment(
    environ: dict[str, str], expected: ops.OpsSettings
) -> None:
    assert ops.ops_settings(environ) == expected


@pytest.mark.parametrize(
    "environ",
    [{"IDEENLOTSE_METRICS_PORT": "neun"}, {"IDEENLOTSE_METRICS_PORT": "70000"},
     {"IDEENLOTSE_LOG_FORMAT": "xml"}],
)  # fmt: skip
def test_bad_ops_settings_are_one_clear_error(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="IDEENLOTSE_"):
        ops.ops_settings(environ)


async def fetch(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def until_up(port: int) -> None:
    for _ in range(200):
        try:
            await fetch(port, "/healthz")
            return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError("the endpoint did not come up")


def test_run_serves_healthz_and_metrics_next_to_the_adapters(
    store: Store, bot: Bot, settings: Settings, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve_platforms`` (what ``ideenlotse run`` runs) starts the endpoint; with no chat
    platform in the list, the endpoint alone runs."""
    port = free_port()
    monkeypatch.setenv("IDEENLOTSE_METRICS_PORT", str(port))
    say("Sitzungsunterlagen digital verteilen")
    app = App(store, matcher=None, bot=bot)  # type: ignore[arg-type]

    async def scenario() -> list[tuple[int, str]]:
        server = asyncio.create_task(serve_platforms(app, settings, []))
        try:
            await until_up(port)
            healthy = await fetch(port, "/healthz")
            metrics = await fetch(port, "/metrics")
            store.close()  # the database goes away
            unhealthy = await fetch(port, "/healthz")
            return [healthy, metrics, unhealthy]
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)

    healthy, metrics, unhealthy = asyncio.run(scenario())
    assert healthy == (200, '{"status": "ok", "store": "ok"}')
    assert metrics[0] == 200
    assert 'ideenlotse_messages_handled_total{outcome="answered",platform="console"}' in metrics[1]
    assert "ideenlotse_reply_latency_seconds_bucket" in metrics[1]
    assert "ideenlotse_queue_length 0.0" in metrics[1]
    assert unhealthy[0] == 503 and "unavailable" in unhealthy[1]


def test_a_port_in_use_is_a_config_error_naming_the_variable() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        async def serve() -> None:
            await ops.serve_ops(lambda: None, ops.OpsSettings("127.0.0.1", port, "text"))

        with pytest.raises(ConfigError, match="IDEENLOTSE_METRICS_PORT"):
            asyncio.run(serve())


STOPPABLE = """
import asyncio, sys
from pathlib import Path
from bot.app import App
from adapters.cli_run import serve_platforms
from bot.config import Settings
from bot.core import Bot
from knowledge.open import open_store
settings = Settings(data_dir=Path(sys.argv[1]))
store = open_store(settings.data_dir)
app = App(store, matcher=None, bot=Bot(store, settings))
asyncio.run(serve_platforms(app, settings, []))
store.close()
print("stopped cleanly")
"""


def test_sigterm_stops_the_bot_cleanly(tmp_path: Any) -> None:
    """Containers and service managers stop with SIGTERM; as PID 1 an unhandled SIGTERM is
    ignored, so ``podman stop`` waited 30 s and killed the bot (issue #15, the container)."""
    port = free_port()
    env = {**os.environ, "IDEENLOTSE_METRICS_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPABLE, str(tmp_path / "data")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        while True:  # until the endpoint answers; a start on a busy machine takes a while
            assert process.poll() is None, process.communicate()[1]
            try:
                asyncio.run(fetch(port, "/healthz"))
                break
            except aiohttp.ClientConnectionError:
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "stopped cleanly" in out
