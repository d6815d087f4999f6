"""``ideenlotse digest``: the synergy digest on demand, as the CDO receives it.

A thin shell over ``bot.app.App.digest`` and ``bot.digest_render``: the same digest the
weekly job sends, but nothing is sent and nothing is marked as suggested.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli_common import CONTEXT, Failure, open_app, settings
from bot.clock import utcnow
from bot.private_files import private_folder


@click.command(context_settings=CONTEXT)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=None,
    help="How many days back [default: [digest] days in the config, else 7].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    default="markdown",
    show_default=True,
    help="Output format; HTML has the idea map embedded.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout (Markdown: the map goes next to it as PNG).",
)
@click.pass_context
def digest(ctx: click.Context, days: int | None, fmt: str, out: Path | None) -> None:
    """Build the synergy digest of the last days, as the CDO receives it.

    New ideas by department, similar ideas across departments, likely duplicates, suggested
    introductions, open and overdue questions, status changes, most-supported ideas and the
    trend. Nothing is sent and nothing is marked as suggested.

    \b
    Examples:
      ideenlotse digest
      ideenlotse digest --days 14 --format html --out digest.html
      ideenlotse digest --format json | jq '.clusters[].terms'
    """
    from bot.digest_render import write_digest

    config = settings(ctx)
    if out is not None:  # before the work: a missing folder failed after it (trial: 6.5 s)
        try:
            private_folder(out.parent)
        except OSError as exc:
            raise Failure(f"cannot create the folder for the digest: {exc}") from exc
    app = open_app(config, light=True)  # trial 11: 20 s exporting the graph for a digest
    try:
        found = app.digest(utcnow(), days)
    finally:
        app.close()
    try:
        text, written = write_digest(found, config.translator(), fmt, out)
    except OSError as exc:
        raise Failure(f"cannot write the digest: {exc}") from exc
    if out is None:
        click.echo(text, nl=False)
    for path in written:
        click.echo(f"written: {path}", err=True)
