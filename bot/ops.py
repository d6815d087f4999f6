"""Operations: health check, Prometheus metrics and structured logs for ``ideenlotse run``.

An operator needs to know whether the bot is alive, how busy it is and how long people wait,
without ever seeing what they wrote. So the metrics count events by platform and outcome, time
the replies and count errors; the logs carry ids, outcomes and durations, never message text.

Configured from the environment, like the rest of a container deployment:
``IDEENLOTSE_METRICS_PORT`` (default 9108; 0 turns the endpoint off),
``IDEENLOTSE_METRICS_HOST`` (default 127.0.0.1: local only; 0.0.0.0 in a container that
Prometheus scrapes), ``IDEENLOTSE_LOG_FORMAT`` (``text`` or ``json``: one JSON object a line).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.config import ConfigError

log = logging.getLogger(__name__)

DEFAULT_PORT = 9108
HEALTH_TIMEOUT = 5.0  # seconds the store may take to answer the health check

MESSAGES = Counter(
    "ideenlotse_messages_handled",
    "Chat events handled, by platform and outcome (answered, replayed, error).",
    ["platform", "outcome"],
)
LATENCY = Histogram(
    "ideenlotse_reply_latency_seconds",
    "Time from an event reaching the bot core to its replies being ready (store committed).",
    ["platform"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ERRORS = Counter(
    "ideenlotse_errors",
    "Events whose handling failed (the user got the friendly error reply).",
    ["platform"],
)
GIVEN_UP = Counter(
    "ideenlotse_replies_given_up",
    "Replies the outbox gave up on: refused for good, or still failing after the last attempt.",
    ["kind"],
)
QUEUE = Gauge(
    "ideenlotse_queue_length",
    "Events accepted by the bot core and not yet answered (waiting for the store or running).",
)


@dataclass(frozen=True)
class OpsSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0: no endpoint
    log_format: str = "text"


def ops_settings(environ: Mapping[str, str]) -> OpsSettings:
    raw_port = environ.get("IDEENLOTSE_METRICS_PORT", str(DEFAULT_PORT)).strip()
    if not raw_port.isdigit() or int(raw_port) > 65535:
        raise ConfigError("IDEENLOTSE_METRICS_PORT must be a port number (0 turns metrics off)")
    log_format = environ.get("IDEENLOTSE_LOG_FORMAT", "text").strip() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError("IDEENLOTSE_LOG_FORMAT must be 'text' or 'json'")
    host = environ.get("IDEENLOTSE_METRICS_HOST", "127.0.0.1").strip() or "127.0.0.1"
    return OpsSettings(host, int(raw_port), log_format)


# -- instrumentation of the core ------------------------------------------------------------


@dataclass
class Observation:
    """What the core learnt about one event; set by ``Bot.handle`` while it runs."""

    platform: str
    event_id: str
    outcome: str = "answered"
    replies: int = 0


@contextmanager
def observe(platform: str, event_id: str) -> Iterator[Observation]:
    """Count, time and log one event (ids and outcome only: never the text)."""
    seen = Observation(platform, event_id)
    QUEUE.inc()
    started = time.perf_counter()
    try:
        yield seen
    except BaseException:
        seen.outcome = "error"
        raise
    finally:
        elapsed = time.perf_counter() - started
        QUEUE.dec()
        MESSAGES.labels(platform, seen.outcome).inc()
        LATENCY.labels(platform).observe(elapsed)
        if seen.outcome == "error":
            ERRORS.labels(platform).inc()
        log.info(
            "event %s/%s %s: %d replies in %.1f ms",
            platform,
            event_id,
            seen.outcome,
            seen.replies,
            elapsed * 1000,
            extra={
                "platform": platform,
                "event_id": event_id,
                "outcome": seen.outcome,
                "replies": seen.replies,
                "latency_ms": round(elapsed * 1000, 1),
            },
        )


# -- the endpoint ---------------------------------------------------------------------------


def make_app(ping: Callable[[], object], registry: CollectorRegistry = REGISTRY) -> web.Application:
    """``/healthz`` (the store answers: 200, else 503) and ``/metrics`` (Prometheus)."""

    async def healthz(request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(asyncio.to_thread(ping), HEALTH_TIMEOUT)
        except Exception as exc:  # any failure of the store means "not healthy"
            log.warning("health check failed: %s", type(exc).__name__)
            return web.json_response({"status": "error", "store": "unavailable"}, status=503)
        return web.json_response({"status": "ok", "store": "ok"})

    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve_ops(ping: Callable[[], object], settings: OpsSettings) -> None:
    """Serve the endpoint until cancelled (does nothing when the port is 0)."""
    if settings.port == 0:
        log.info("metrics endpoint off (IDEENLOTSE_METRICS_PORT=0)")
        await asyncio.Event().wait()
        return
    runner = web.AppRunner(make_app(ping), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            raise ConfigError(
                f"cannot serve metrics on {settings.host}:{settings.port} ({exc.strerror});"
                " set IDEENLOTSE_METRICS_PORT to a free port or 0"
            ) from exc
        log.info("health and metrics on http://%s:%d/healthz", settings.host, settings.port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


# -- structured logs ------------------------------------------------------------------------

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_log_format(settings: OpsSettings) -> None:
    """Switch the root handlers to JSON lines when asked (containers, log shippers)."""
    if settings.log_format != "json":
        return
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.setFormatter(formatter)
