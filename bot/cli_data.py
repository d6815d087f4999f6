"""``ideenlotse import`` and ``ideenlotse export``: ideas into and out of the store.

Thin shells over ``bot.services``. ``export`` opens the store alone, so it answers without
loading the model; ``import`` loads it to encode what it added.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from bot.cli_common import CONTEXT, Failure, open_app, open_store, settings
from bot.clock import iso, utcnow
from bot.importer import ImportFileError, count_records, read_rows
from bot.private_files import write_private


def watched() -> bool:
    """Whether a person watches stderr (a terminal), so progress bars are worth drawing."""
    return sys.stderr.isatty()


@click.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress: only errors and the summary line.")
@click.pass_context
def import_(ctx: click.Context, file: Path, quiet: bool) -> None:
    """Import ideas from a CSV or JSONL FILE.

    Columns (CSV header) or keys (JSONL): text (required), title, author, department,
    created (ISO 8601, e.g. 2026-03-01T09:30:00+01:00), status (neu, in Prüfung,
    in Umsetzung, umgesetzt, abgelehnt). Broken rows are reported with their line numbers
    and skipped; good rows are kept (exit status 1 then). Importing the same file again adds
    nothing twice.

    \b
    Examples:
      ideenlotse import ideen.csv
      ideenlotse import export.jsonl --quiet
    """
    from tqdm import tqdm

    from bot import services
    from bot.services.imports import encode_imported

    config = settings(ctx)
    try:
        rows = read_rows(file, max_length=config.max_text_length)
    except ImportFileError as exc:
        raise Failure(str(exc)) from exc
    bars = not quiet and watched()  # no clutter in logs and pipes
    app = open_app(config, progress=bars)
    store = app.store
    try:
        bar = tqdm(total=count_records(file), unit="row", desc="import", disable=not bars)
        with bar:
            report = services.import_rows(store, rows, iso(utcnow()), on_row=lambda: bar.update())
        fresh = store.ideas_without_embedding(app.matcher.encoder.name)
        if fresh and not quiet:
            click.echo(f"encoding {len(fresh)} ideas for similarity search", err=True)
        with tqdm(total=len(fresh), unit="idea", desc="encoding", disable=not bars) as bar:
            encode_imported(store, app.matcher, fresh, on_encoded=bar.update)
    finally:
        app.close()
    for error in report.errors:
        click.echo(f"{file}:{error.line}: {error.reason}", err=True)
    erased = f", {report.erased} left out: their author was erased" if report.erased else ""
    click.echo(
        f"{report.added} ideas imported, {report.skipped} already there, "
        f"{len(report.errors)} rows with errors{erased}"
    )
    if report.errors:  # as `plan import`: a script notices (trial 23 got 0)
        ctx.exit(1)


@click.command(context_settings=CONTEXT)
@click.option(
    "--person",
    help="Only ideas by this person: their user id, optionally with the platform "
    "(anna, matrix:@anna:stadt.de).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json"]),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (readable by you alone) instead of stdout.",
)
@click.option(
    "--all-data",
    is_flag=True,
    help="With --person: everything stored about them (Art. 15 DSGVO), as !meine-daten.",
)
@click.pass_context
def export(
    ctx: click.Context, person: str | None, fmt: str, out: Path | None, all_data: bool
) -> None:
    """Export ideas with their authors and departments as JSON.

    \b
    Examples:
      ideenlotse export --out ideen.json
      ideenlotse export --person anna --out anna.json
      ideenlotse export --person "import:Petra Lange" --all-data --out petra.json
    """
    from bot import render, services

    if all_data and not person:
        raise click.UsageError("--all-data needs --person")
    store = open_store(settings(ctx))
    try:
        data = services.export_ideas(store, person)
        if all_data:  # for people who cannot ask in chat (trial 27): imported authors
            data["all_data"] = services.export_all_data(
                store, person or "", iso(utcnow()), getpass.getuser()
            )
    except LookupError as exc:
        raise Failure(str(exc)) from exc
    finally:
        store.close()
    text = render.json_document(data)
    if out is None:
        click.echo(text)
    else:
        try:
            write_private(out, text + "\n")
        except OSError as exc:  # trial 23: a traceback for a missing folder
            raise Failure(f"cannot write the export: {exc}") from exc
        click.echo(f"{len(data['ideas'])} ideas written to {out}", err=True)
    if data["identities"]:
        who = ", ".join(f"{i['platform']}:{i['user_id']}" for i in data["identities"])
        click.echo(f"included: {who}", err=True)


@click.command(context_settings=CONTEXT)
@click.option(
    "--person",
    required=True,
    help="Whose data: their user id, optionally with the platform "
    "(anna, matrix:@anna:stadt.de, import:Petra Lange).",
)
@click.option("--yes", is_flag=True, help="Do not ask before erasing.")
@click.pass_context
def forget(ctx: click.Context, person: str, yes: bool) -> None:
    """Erase a person's data on their request (Art. 17 DSGVO), as `!vergiss-mich` does.

    For people who cannot ask in chat themselves: authors of imported ideas, people who left.
    What goes is set by `[privacy] erase_mode` (delete, or anonymise: the ideas stay without
    any link to the person). The database file is scrubbed afterwards.

    \b
    Examples:
      ideenlotse forget --person "import:Petra Lange"
      ideenlotse forget --person matrix:@anna:stadt.de --yes
    """
    from bot import services
    from bot.services.privacy import PLATFORMS
    from bot.uow import UnitOfWork

    config = settings(ctx)
    store = open_store(config)
    try:
        try:
            people = services.identities(store, person)
        except LookupError as exc:  # a plan owner who never chatted (trial 27)
            platform, _, rest = person.partition(":")
            owner = rest if platform in PLATFORMS and rest else person
            with store.transaction():
                owned = store.forget_plan_owner(owner)
            if not owned:
                raise Failure(str(exc)) from exc
            store.scrub(iso(utcnow()))
            click.echo(f"erased: {owner} as the owner of plan items (nothing else was known)")
            return
        for found in people:
            ideas, questions = store.erasure_preview(found.id)
            who, mode = f"{found.platform}:{found.platform_user_id}", config.privacy.erase_mode
            click.echo(f"{who}: {ideas} ideas, {questions} questions ({mode})", err=True)
        if not yes and not click.confirm("Erase?", err=True):
            raise Failure("nothing erased")
        now = iso(utcnow())
        label = config.translator()("privacy.anonymous")
        for found in people:
            with UnitOfWork(store) as uow:
                services.erase_person(
                    uow, found, now, mode=config.privacy.erase_mode, anonymous_label=label
                )
        store.scrub(now)
        click.echo(f"erased: {', '.join(f'{p.platform}:{p.platform_user_id}' for p in people)}")
    finally:
        store.close()
