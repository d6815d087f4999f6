"""``ideenlotse chat``: the console chat, the console adapter started as a command.

Above bot/ because it starts an adapter (``adapters.console``); it is also what
``ideenlotse run`` starts when no chat platform is configured. The console and the example
town are imported when the command runs, so ``--help`` loads neither.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_common import CHAT_ROLES, CONTEXT, open_app, open_store, settings, user_id

if TYPE_CHECKING:
    from adapters.console import ConsoleChat
    from bot.app import App


@click.command(context_settings=CONTEXT)
@click.option("--as", "name", required=True, callback=user_id, help="Who you are in the chat.")
@click.option("--department", help='Your department, e.g. "FD 20".')
@click.option(
    "--role",
    type=click.Choice(CHAT_ROLES),
    default=None,
    help="Your role (default: from the config, else staff). A CDO or CIO named here gets "
    "the questions of every console user while the config names nobody for that role.",
)
@click.pass_context
def chat(ctx: click.Context, name: str, department: str | None, role: str | None) -> None:
    """Chat with the bot in this terminal, as NAME.

    Commands are the same as in Matrix (!idee, !suche, !hilfe ...); a line without a command
    is taken as an idea. When stdin is not a terminal, every line is one message and the
    replies are printed; the command ends with the input.

    \b
    Examples:
      ideenlotse chat --as anna --department "FD 20"
      printf '!idee E-Rechnungen automatisch verarbeiten\\n!suche Rechnung\\n' | \\
        ideenlotse chat --as anna
    """
    from concurrent.futures import ThreadPoolExecutor

    from adapters.console import ConsoleChat, prompt_loop
    from bot import demo_console as examples
    from bot.events import Sender

    config = settings(ctx)
    if role and config.role_for(name, role) != role:
        click.echo(f"the config gives the role {role} to others; you chat as staff", err=True)
    sender = Sender(name, name, department, role)
    log_to_file(config.data_dir / "console.log")

    def console(app: App) -> ConsoleChat:
        town = examples.ConsoleDemo.of(app, config.language)
        return ConsoleChat(
            app.bot,
            sender,
            jobs=app.due,
            outbox=config.data_dir / "dateien",
            names=console_names(app),
            commands=dict.fromkeys(examples.CONSOLE_COMMANDS, town),
        )

    if not sys.stdin.isatty():
        app = open_app(config, light=True)
        try:
            console(app).run(sys.stdin)
        finally:
            app.close()
        return
    greeting = f"Ideenlotse – Sie sind angemeldet als {name}. Hilfe mit !hilfe, beenden mit Strg+D."
    store = open_store(config)
    try:  # first start: alone with an empty store, a first idea would meet nobody
        if examples.is_empty(store):
            greeting += "\n" + examples.first_start_hint(config.language)
    finally:
        store.close()
    with ThreadPoolExecutor(max_workers=1) as background:
        # while the person types; no progress bar between the prompt's lines
        starting = background.submit(open_app, config, light=True, progress=False)
        try:
            history = config.data_dir / "console_history"
            prompt_loop(history, greeting, f"{name}> ", lambda: console(starting.result()))
        finally:
            if starting.done() and starting.exception() is None:
                starting.result().close()


def log_to_file(path: Path) -> None:
    """The log of a console session goes to a file in the data dir (owner-only, like all of
    it), not between the chat lines: trial 7 read "WARNING bot.questions: ..." among the
    replies, where the asker's German notice already says what it means."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if type(h) is logging.StreamHandler]:  # stderr's
        root.removeHandler(old)
    root.addHandler(handler)
    # except that the model is built on first use: two silent minutes read as a hang (trial 24)
    notices = logging.StreamHandler()
    notices.setLevel(logging.WARNING)
    logging.getLogger("matching.encoder").addHandler(notices)


def console_names(app: App) -> Callable[[str], str | None]:
    """Display names for the console's "for whom" headings: people who typed in another
    console process, and the example people (whom introductions may address)."""
    from bot.demo import DEMO_PLATFORM

    store = app.store

    def name_of(user_id: str) -> str | None:
        with store.transaction():
            found = store.find_person("console", user_id) or store.find_person(
                DEMO_PLATFORM, user_id
            )
        return found.display_name if found else None

    return name_of
