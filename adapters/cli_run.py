"""``ideenlotse run``: the main job, which starts the configured chat adapters.

Above bot/ because starting adapters is composition, the one thing that knows every layer:
bot/ never imports an adapter. Each platform's adapter (and its SDK) is imported only when
it is configured, so ``--help`` and an unused platform load none of them.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from adapters.cli_chat import chat
from adapters.cli_web import serve_beside, until_stopped, with_web
from bot.cli_common import CONTEXT, Failure, open_app, settings
from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.app import App

PLATFORMS = {"matrix": "MATRIX_HOMESERVER", "slack": "SLACK_BOT_TOKEN"}


def configured_platforms(environ: Mapping[str, str]) -> list[str]:
    return [name for name, var in PLATFORMS.items() if environ.get(var)]


async def serve_platforms(app: App, config: Settings, names: list[str]) -> None:
    """Run the configured adapters side by side until one fails or the process is stopped."""
    from bot import ops

    app.outbox.running = tuple(names)
    operations = ops.ops_settings(os.environ)
    ops.use_log_format(operations)
    servers = [ops.serve_ops(app.store.ping, operations)]  # /healthz and /metrics
    if "matrix" in names:
        from adapters import matrix

        servers.append(matrix.serve(app, config, os.environ))
    if "slack" in names:
        from adapters import slack

        servers.append(slack.serve(app, config, os.environ))
    await until_stopped(*servers)


def log_as_service() -> None:
    """A service says that it started, logged in and joined (trial 29 saw no line at all
    without -v): the project's own loggers at INFO (event ids and outcomes, never message
    text); libraries stay at the root's level (aiohttp would log every /metrics scrape)."""
    for name in ("adapters", "bot", "knowledge", "matching"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


@click.command(context_settings=CONTEXT)
@click.pass_context
def run(ctx: click.Context) -> None:
    """Start the configured chat platforms, or the console chat if none is configured.

    Matrix is configured by MATRIX_HOMESERVER, Slack by SLACK_BOT_TOKEN (see README); both
    can run at once. Without either, you chat in this terminal as your login name.

    \b
    Examples:
      ideenlotse run
      MATRIX_HOMESERVER=https://matrix.stadt.de MATRIX_USER_ID=@lotse:stadt.de \\
        MATRIX_PASSWORD=... ideenlotse run
      IDEENLOTSE_DATA_DIR=/var/lib/ideenlotse ideenlotse run
    """
    config = settings(ctx)
    names = configured_platforms(os.environ)
    if not names:
        with_web(config, ctx.invoke, chat, name=getpass.getuser(), department=None, role=None)
        return
    log_as_service()
    app = open_app(config)
    try:
        app.warm_up()
        import asyncio

        asyncio.run(serve_beside(serve_platforms(app, config, names), app, config))
    except ConfigError as exc:
        raise Failure(str(exc)) from exc
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
