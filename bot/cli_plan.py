"""``ideenlotse plan``: the city's Digital Agenda, project plan and systems (issue #18).

A thin shell over ``bot.plans``. Everything heavy (the store, numpy, the model) is imported
by the command that needs it, so ``ideenlotse --help`` stays quick.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_common import CONTEXT, Failure, open_store, settings, stdin_lines

if TYPE_CHECKING:
    from bot.config import Settings
    from knowledge.store import Store


def _encode_items(config: Settings, store: Store) -> tuple[str, bool] | None:
    """Encode the items the import added or changed, so that the first idea or question
    after it does not wait for them; a model that cannot be loaded now only moves that to
    the first use. What to say and whether it is a warning; None where nothing was to do."""
    from bot.app import one_shot_encoder
    from bot.plans import entry, plan_matcher

    with store.transaction():
        items = store.plan_items()
    views = [v for i in items if i.embedding is None for v in entry(i).views]
    if not views:
        return None
    try:
        encoder = one_shot_encoder(config, views, progress=sys.stderr.isatty())
        with store.transaction():
            plan_matcher(store, encoder)
    except (OSError, ValueError) as exc:
        return f"plan items not encoded yet ({exc}); the first idea or question will do it", True
    return f"{len(views)} texts of the plan encoded for matching", False


@click.group(context_settings=CONTEXT)
def plan() -> None:
    """The city's plans: agenda goals, projects and systems.

    Once imported, a new idea is shown the project that already covers it, the goal it serves
    and the systems it touches, and a question about a system reaches its owner.

    \b
    Examples:
      ideenlotse plan import deploy/springe-plan.csv
      ideenlotse plan show
      ideenlotse plan match "Eingangsrechnungen automatisch verarbeiten"
    """


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_plan(ctx: click.Context, file: Path) -> None:
    """Import the plan from a CSV (";" or "," separated) or JSONL FILE.

    Columns: kind (agenda, project or system; also ziel, handlungsfeld, projekt, vorhaben,
    fachverfahren), key, title (required); description, owner (the chat user id: questions
    reach owners by id, never by name), owner_name (how staff know the owner, "Jana
    Wagner": shown where the bot does not know them from chat), department, status (of a
    project: geplant, laufend, pausiert, abgeschlossen or abgebrochen; also in Planung, in
    Umsetzung, in Arbeit, beendet, fertig, gestoppt, ruht), goal (the key of an agenda
    goal), systems (system keys) and aliases (other names and product names), the last two
    separated by ";" inside the field; start and end (2026-03-01 or 01.03.2026) for
    projects. Items are known by key: importing again updates them and adds nothing twice.
    A status set in chat stays while the file gives the status it gave before; a new one in
    the file wins, and the import says so. Every problem of a broken row is reported with
    its line number, and the row is skipped; the exit status is 1 when there were any.

    \b
    Examples:
      ideenlotse plan import deploy/springe-plan.csv
      ideenlotse plan import plan.jsonl
    """
    from bot.clock import iso, utcnow
    from bot.importer import ImportFileError
    from bot.plans_import import import_plan as store_plan
    from bot.plans_import import read_plan

    try:
        rows = read_plan(file)
    except ImportFileError as exc:
        raise Failure(str(exc)) from exc
    config = settings(ctx)
    store = open_store(config)
    try:
        report = store_plan(store, rows, iso(utcnow()))
        prepared = _encode_items(config, store)
    finally:
        store.close()
    for error in report.errors:
        click.echo(f"{file}:{error.line}: {error.reason}", err=True)
    for warning in report.warnings:
        click.echo(f"{file}:{warning.line}: warning: {warning.reason}", err=True)
    click.echo(report.summary)
    if report.status_changes:
        click.echo("status changed as the file says: " + ", ".join(report.status_changes))
    if report.status_kept:
        click.echo("status kept as set in chat: " + ", ".join(report.status_kept))
    if prepared is not None and (prepared[1] or sys.stderr.isatty()):
        click.echo(prepared[0], err=True)  # a warning for all, a note for whoever watches
    if report.errors:
        ctx.exit(1)


@plan.command("show")
@click.option("--json", "as_json", is_flag=True, help="The plan as one JSON object.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Show the imported plan: agenda goals, projects and systems.

    \b
    Examples:
      ideenlotse plan show
      ideenlotse plan show --json > plan.json
    """
    from bot.plans import show_plan

    store = open_store(settings(ctx))
    try:
        shown = show_plan(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    if not any(shown.values()):
        click.echo("no plan yet; import one with: ideenlotse plan import FILE")
        return
    for section, items in shown.items():
        click.echo(f"{section}:")
        for item in items:
            if item["owner_name"]:
                item = {**item, "owner": f"{item['owner_name']} ({item['owner']})"}
            extra = " · ".join(str(item[k]) for k in ("status", "owner", "goal") if item[k])
            click.echo(f"  {item['key']:<6} {item['title']}" + (f"  ({extra})" if extra else ""))


@plan.command("match")
@click.argument("text", required=False)
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON line per text (the default for stdin)."
)
@click.pass_context
def match(ctx: click.Context, text: str | None, as_json: bool) -> None:
    """Show which plan items the idea TEXT (or each line of stdin) is about.

    Each result is a list of {kind, key, title, score, owner}, best first: the project that
    covers it, the agenda goal it serves and the systems it touches, each above its
    calibrated threshold (what a new idea would be shown). Blank lines of stdin are skipped.

    \b
    Examples:
      ideenlotse plan match "Eingangsrechnungen als XRechnung automatisch verarbeiten"
      printf 'Das DMS startet nicht\\nWLAN im Jugendzentrum\\n' | ideenlotse plan match
    """
    from bot.app import one_shot_encoder
    from bot.plans import match_texts

    texts = [text] if text is not None else stdin_lines()
    config = settings(ctx)
    store = open_store(config)
    try:
        encoder = one_shot_encoder(config, texts, progress=sys.stderr.isatty())
        found = match_texts(store, encoder, texts)
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot match: {exc}") from exc
    finally:
        store.close()
    for results in found:
        if as_json or text is None:
            click.echo(json.dumps(results, ensure_ascii=False))
            continue
        if not results:
            click.echo("nothing in the plans fits")
        for result in results:
            owner = f"  ({result['owner']})" if result["owner"] else ""
            click.echo(
                f"{result['kind']:<8} {result['key']:<6} {result['score']:.3f}  "
                f"{result['title']}{owner}"
            )
