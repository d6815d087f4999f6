"""The ``ideenlotse`` command group: the commands that work on the store and the model.

A thin shell over the service layer; each command lives in a ``bot.cli_*`` module by what it
works on. The commands that start adapters (``run``, ``chat``, ``web``) are added above bot/,
by ``adapters.main``, the console script: bot/ never imports an adapter.

Exit status: 0 on success, 2 on bad usage (click's own), 1 on any other error, which is
reported as one line on stderr.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bot.cli_common import CONTEXT, Failure
from bot.cli_data import export, forget, import_
from bot.cli_demo import demo
from bot.cli_digest import digest
from bot.cli_matching import model, route, similar
from bot.cli_plan import plan
from bot.cli_web_link import web_link
from bot.config import ConfigError, load_settings
from bot.private_files import secure_data_dir

# Everything else is imported by the command that needs it: `--help` and a bad option answer
# without loading numpy, the store, the model or an adapter, and `export` without the model.


@click.group(context_settings=CONTEXT)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file [env IDEENLOTSE_CONFIG, default ./ideenlotse.toml].",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the bot does (never message text).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """Ideenlotse: ideas, questions and people of a city administration, connected.

    Data lives in $IDEENLOTSE_DATA_DIR (default ./data); settings in ideenlotse.toml.

    \b
    Examples:
      ideenlotse run
      ideenlotse chat --as anna --department "FD 20"
      ideenlotse import ideen.csv
      ideenlotse export --person anna --out anna.json
      ideenlotse route "Mein Drucker druckt nicht"
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("nio").setLevel(logging.WARNING)  # its INFO lines name rooms and events
    try:
        ctx.obj = load_settings(config_path)
    except ConfigError as exc:
        raise Failure(str(exc)) from exc
    try:
        secure_data_dir(ctx.obj.data_dir)
    except OSError as exc:
        raise Failure(f"cannot make the data dir {ctx.obj.data_dir} private: {exc}") from exc


for command in (import_, export, forget, digest, model, similar, route, demo, plan, web_link):
    cli.add_command(command)
