"""``ideenlotse web``: the Lagebild cockpit (issue #19), and serving it beside ``run``.

Above bot/ because it starts an adapter, ``adapters.web``, on the bot's app (the light model,
as the console uses: a page needs single queries, not batches). ``ideenlotse run`` serves the
cockpit too when IDEENLOTSE_WEB_PORT is set (``serve_beside``, ``with_web``). The web
adapter and asyncio are imported by the code that serves: every other command starts without.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from bot.cli_common import CONTEXT, Failure, open_app, settings
from bot.config import DEFAULT_WEB_PORT, Settings

if TYPE_CHECKING:
    from bot.app import App


@click.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_WEB_PORT,
    show_default=True,
    help="Port to listen on.",
)
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Serve the Lagebild cockpit: ideas, themes, questions and people in the browser.

    People log in with a one-time link: `!lagebild` in chat sends one, `ideenlotse web-link`
    prints one. Links name the address in IDEENLOTSE_WEB_URL (behind a TLS proxy:
    https://...; cookies are then Secure), else http://127.0.0.1:PORT.

    \b
    Examples:
      ideenlotse web
      ideenlotse web --host 0.0.0.0 --port 8088
      IDEENLOTSE_WEB_URL=https://lagebild.stadt.de ideenlotse web
    """
    config = settings(ctx)
    app = open_app(config, light=True)

    def ready(bound: int) -> None:  # once it listens (trial 23: the address, then the error)
        click.echo(f"Lagebild: {config.web.base_url(bound)}/ (Strg+C beendet)", err=True)
        if host not in ("127.0.0.1", "localhost", "::1") and not config.web.url:
            warning = f"Warning: on {host} without HTTPS; put a TLS proxy in front and set "
            click.echo(warning + "IDEENLOTSE_WEB_URL=https://... (cookies then Secure)", err=True)

    try:
        import asyncio

        asyncio.run(until_stopped(_serve(app, host, port, ready)))
    except OSError as exc:
        raise Failure(f"cannot serve on {host}:{port}: {exc} (another port: --port)") from exc
    except KeyboardInterrupt:
        pass
    finally:
        app.close()


def _serve(
    app: App, host: str, port: int, ready: Callable[[int], None] | None = None
) -> Awaitable[None]:
    from adapters.web.app import serve

    return serve(app, host, port, ready=ready)


async def until_stopped(*servers: Awaitable[None]) -> None:
    """Run side by side until one fails or the process is stopped. SIGTERM is how containers
    and service managers stop a process (as PID 1 it is ignored unless handled): it stops
    like Ctrl+C, so adapters save their state and the store closes."""
    import asyncio

    running = asyncio.ensure_future(asyncio.gather(*servers))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, running.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await running


async def serve_beside(chat: Awaitable[None], app: App, config: Settings) -> None:
    """``ideenlotse run`` with chat platforms: the cockpit on IDEENLOTSE_WEB_PORT beside them,
    on the same app (one bot, one outbox)."""
    import asyncio

    if config.web.port is None:
        await chat
        return
    tasks = {
        asyncio.ensure_future(chat),
        asyncio.ensure_future(_serve(app, "127.0.0.1", config.web.port)),
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:  # the chat stopped (SIGTERM, Ctrl+C) or one failed: the other stops with it
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()  # a failure is reported, not swallowed


def with_web(config: Settings, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """``call(*args, **kwargs)`` (``ideenlotse run``'s console chat) with the cockpit beside it
    when IDEENLOTSE_WEB_PORT is set."""
    with background(config):
        call(*args, **kwargs)


@contextlib.contextmanager
def background(config: Settings) -> Iterator[None]:
    """The cockpit on a thread of its own, with an app of its own (the console's is made
    inside the chat command); nothing without IDEENLOTSE_WEB_PORT."""
    if config.web.port is None:
        yield
        return
    from adapters.web.app import BackgroundServer

    app = open_app(config, light=True)
    try:
        server = BackgroundServer(app, "127.0.0.1", config.web.port).start()
    except (OSError, TimeoutError) as exc:
        app.close()
        raise Failure(f"cannot serve the Lagebild on port {config.web.port}: {exc}") from exc
    click.echo(f"Lagebild: {config.web.base_url()}/", err=True)
    try:
        yield
    finally:
        server.stop()
        app.close()
