"""Serving the cockpit: the aiohttp application with its routes, on a port, until stopped.

Apart from ``adapters.web.server`` (the frame every request passes), so the route modules
can use the frame without the frame knowing them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from aiohttp import web

from adapters.web import actions, pages
from adapters.web.server import COCKPIT, Cockpit, guard
from bot.app import App
from bot.lagebild import CurrentRoles
from bot.lagebild_map import Landscapes

log = logging.getLogger(__name__)


class WithoutRequestText(logging.Filter):
    """aiohttp logs a malformed request with its raw first line ("GET /ideen?suche=...") in
    the exception: what people searched or typed, which logs never hold (trial 23). The
    exception's kind is kept, its text and traceback are not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage()} ({record.exc_info[0].__name__})"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


logging.getLogger("aiohttp.server").addFilter(WithoutRequestText())


def make_web_app(app: App, *, secure: bool = False, map_interval: float = 60.0) -> web.Application:
    roles = CurrentRoles(app.bot.settings)
    landscapes = Landscapes(app.store, roles, app.matcher, app.bot.clock, min_interval=map_interval)
    server = web.Application(middlewares=[guard], client_max_size=256 * 1024)
    server[COCKPIT] = Cockpit(app, roles, landscapes, secure)
    pages.add_routes(server)
    actions.add_routes(server)
    static = resources.files("adapters.web") / "static"
    server.router.add_static("/static/", str(static), append_version=False)
    return server


async def serve(
    app: App,
    host: str,
    port: int,
    *,
    ready: Callable[[int], None] | None = None,
    map_interval: float = 60.0,
) -> None:
    """Serve the cockpit until cancelled; ``ready`` gets the port (``port`` 0: a free one)."""
    secure = app.bot.settings.web.base_url(port).startswith("https://")
    # no access log: its lines hold searches and which idea somebody looked at (trial 23)
    runner = web.AppRunner(
        make_web_app(app, secure=secure, map_interval=map_interval), access_log=None
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        log.info("lagebild: serving on %s:%d", host, bound)
        if ready is not None:
            ready(bound)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


class BackgroundServer:
    """The cockpit on a thread of its own, beside a console chat (``ideenlotse run`` with
    IDEENLOTSE_WEB_PORT) or in a test; ``start`` returns once it accepts connections."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, **options: Any):
        self.app, self.host, self.requested, self.options = app, host, port, options
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lagebild-web", daemon=True)

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError("the Lagebild server did not start")
        if self._failed is not None:
            raise self._failed
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        def ready(port: int) -> None:
            self.port = port
            self._started.set()

        self._task = loop.create_task(
            serve(self.app, self.host, self.requested, ready=ready, **self.options)
        )
        try:
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # e.g. the port is taken: start() raises it
            self._failed = exc
            self._started.set()
        finally:
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=10)
