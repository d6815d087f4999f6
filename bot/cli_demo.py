"""``ideenlotse demo``: the example town Musterstadt, loaded to try Ideenlotse out, or removed.

A thin shell over ``bot.demo``; loading needs the model (the examples' ideas are encoded),
removing does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli_common import CONTEXT, Failure, open_app, open_store, settings
from bot.clock import utcnow

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.demo import Town


@click.command(context_settings=CONTEXT)
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
