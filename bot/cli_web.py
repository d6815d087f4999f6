"""``ideenlotse web`` and ``ideenlotse web-link``: the Lagebild cockpit (issue #19).

Thin shells, as every command: ``web`` serves ``adapters.web`` on the bot's app (the light
model, as the console uses: a page needs single queries, not batches); ``web-link`` makes a
one-time link in the store, which the running server redeems. ``ideenlotse run`` serves the
cockpit too when IDEENLOTSE_WEB_PORT is set (``serve_beside``, ``background``).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from bot.config import DEFAULT_WEB_PORT, Settings

if TYPE_CHECKING:
    from bot.app import App

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Failure(click.ClickException):
    """An error shown as one line, exit status 1 (as ``bot.cli.Failure``)."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"ideenlotse: {self.format_message()}", err=True)


def light_app(config: Settings) -> App:
    from bot.app import build_app, one_shot_encoder

    try:
        return build_app(config, progress=sys.stderr.isatty(), encoder=one_shot_encoder(config))
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot start: {exc}") from exc


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
    config: Settings = ctx.obj
    app = light_app(config)
    try:
        click.echo(f"Lagebild: {config.web.base_url(port)}/ (Strg+C beendet)", err=True)
        import asyncio  # here, not at the top: every other command starts without it

        asyncio.run(until_stopped(_serve(app, host, port)))
    except OSError as exc:
        raise Failure(f"cannot serve on {host}:{port}: {exc}") from exc
    except KeyboardInterrupt:
        pass
    finally:
        app.close()


def _serve(app: App, host: str, port: int) -> Awaitable[None]:
    from adapters.web.app import serve

    return serve(app, host, port)


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

    app = light_app(config)
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


@click.command("web-link", context_settings=CONTEXT)
@click.option("--as", "name", required=True, help="Platform user id of who logs in (anna).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port of the server, without IDEENLOTSE_WEB_URL [default {DEFAULT_WEB_PORT}].",
)
@click.pass_context
def web_link(ctx: click.Context, name: str, port: int | None) -> None:
    """Print a one-time login link for the Lagebild cockpit, as NAME.

    NAME is a platform user id as `export --person` takes it (anna, matrix:@anna:stadt.de);
    somebody the store does not know yet is made a console person of that name. The link
    works once, for 10 minutes, in the server that shares this data folder or database.

    \b
    Examples:
      ideenlotse web-link --as anna
      ideenlotse web-link --as matrix:@cdo:stadt.de
      IDEENLOTSE_WEB_URL=https://lagebild.stadt.de ideenlotse web-link --as anna
    """
    from bot.clock import utcnow
    from bot.lagebild import link_person, make_link
    from knowledge.open import open_store

    config: Settings = ctx.obj
    try:
        store = open_store(config.data_dir)
    except Exception as exc:  # sqlite3 errors, permissions
        raise Failure(f"cannot open the database in {config.data_dir}: {exc}") from exc
    try:
        now = utcnow()
        with store.transaction():
            person = link_person(store, name, config, now)
            link = make_link(store, person, now, config.web.base_url(port))
    except LookupError as exc:
        raise Failure(str(exc.args[0] if exc.args else exc)) from exc
    finally:
        store.close()
    click.echo(link)
