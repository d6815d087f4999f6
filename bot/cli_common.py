"""What every ``ideenlotse`` command shares: one-line failures, the settings, store and app.

In a module of its own so that the command modules (``bot.cli_*`` and, above bot/, the
``adapters.cli_*`` that start adapters) can use it without importing the group that collects
them, which would make a cycle. Nothing heavy is imported here: ``--help`` stays quick.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

import click

from knowledge.records import ROLES

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from knowledge.store import Store

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
CHAT_ROLES = ROLES[:3]  # what `chat --role` takes: staff, cdo, cio


def user_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A user id given with ``--as``: not blank (trial 23 chatted as "" and got "Danke, !")."""
    if not value.strip() or not value.isprintable():
        raise click.BadParameter("give a user id, e.g. --as anna")
    return value.strip()


class Failure(click.ClickException):
    """An error shown as one line, exit status 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"ideenlotse: {self.format_message()}", err=True)


def settings(ctx: click.Context) -> Settings:
    """The settings the group loaded; subcommands of subgroups see them too (click passes
    ``obj`` down)."""
    value: Settings = ctx.obj
    return value


def open_store(config: Settings) -> Store:
    from knowledge import open as stores

    try:
        return stores.open_store(config.data_dir)
    except Exception as exc:  # sqlite3 errors, permissions
        raise Failure(f"cannot open the database in {config.data_dir}: {exc}") from exc


def open_app(config: Settings, *, light: bool = False, progress: bool | None = None) -> App:
    """Store, model and index; progress bars only where a person watches (``progress``
    None: when stderr is a terminal). ``light``: through the light model where it was
    checked (``bot.app.one_shot_encoder``), which loads in a second; the bot's chat servers
    load the full model."""
    from bot.app import build_app, one_shot_encoder

    shown = sys.stderr.isatty() if progress is None else progress
    try:
        encoder = one_shot_encoder(config, progress=shown) if light else None
        return build_app(config, progress=shown, encoder=encoder)
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot start: {exc}") from exc


def stdin_lines() -> list[str]:
    """One query per line of stdin; a blank line is no query."""
    return [line.strip() for line in sys.stdin if line.strip()]
