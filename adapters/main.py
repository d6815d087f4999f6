"""The console script ``ideenlotse``: the whole command line, composed at the top.

``bot.cli`` holds the group and the commands that work on the store and the model; the
commands that start adapters (``run``, ``chat``, ``web``) are added here, above bot/, so
that no module in bot/ imports an adapter (issue #16). Like every command module, this one
imports no adapter at its top: ``ideenlotse --help`` answers without loading one.
"""

from __future__ import annotations

import sys

from adapters.cli_chat import chat
from adapters.cli_run import run
from adapters.cli_web import web
from bot.cli import cli

for command in (run, chat, web):
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(prog_name="ideenlotse", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
