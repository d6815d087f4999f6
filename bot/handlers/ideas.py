"""Ideas: share, search, support, and (for role holders) set their status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot import plans, render
from bot.commands import REGISTRY, STEWARDS, Invocation, Param, parse_number
from bot.context import Context
from bot.events import Button, Reply
from bot.i18n import Translator
from bot.matcher import Suggestions
from bot.render import typed
from bot.semantic import idea_text
from bot.services.ideas import (
    change_status,
    edit_idea,
    merge_ideas,
    post_idea,
    support_idea,
    take_in,
)
from bot.statuses import parse_status
from knowledge.folding import search_terms
from knowledge.records import Idea


@REGISTRY.command("idee", aliases=("idea",), params=(Param("text", rest=True),))
def idee(ctx: Context, text: str) -> list[Reply]:
    return share_idea(ctx, text)


def share_idea(ctx: Context, text: str) -> list[Reply]:
    """Store the idea first, then ask the intake what to show alongside it."""
    message = ctx.message
    idea = post_idea(
        ctx.uow,
        ctx.person,
        text,
        ctx.now,
        platform=message.platform,
        room=message.room,
        event_id=message.event_id,
    )
    suggestions = take_in(ctx.uow, ctx.matcher, idea, ctx.person)
    authors = {s.idea.author_id for s in suggestions.similar if s.idea.author_id is not None}
    people = [ctx.store.get_person(author) for author in authors]
    here = ctx.message.platform  # an example person, or one on another platform: no message
    reachable = {p.id for p in people if p is not None and p.matching_opt_in and p.platform == here}
    reply = with_plans(
        ctx, idea, intake_reply(ctx.t, ctx.person.display_name, idea, suggestions, reachable, here)
    )
    return [with_first_notes(ctx, reply)]


def with_first_notes(ctx: Context, reply: Reply) -> Reply:
    """Notes for a person's first idea (trial 29): Matrix tells no department; and an idea
    written to the bot directly is no secret, all staff can read it."""
    if not ctx.message.is_direct and ctx.person.department is not None:
        return reply  # nothing to say: no need to read all of a person's ideas
    mine = ctx.store.ideas(author_ids=[ctx.person.id])
    notes = []
    if ctx.message.is_direct and sum(1 for i in mine if i.source_room == ctx.message.room) == 1:
        notes.append(ctx.t("idea.seen_by_all"))
    if ctx.person.department is None and len(mine) == 1:
        notes.append(ctx.t("department.tip"))
    return replace(reply, text="\n\n".join([reply.text, *notes])) if notes else reply


def with_plans(ctx: Context, idea: Idea, reply: Reply) -> Reply:
    """The plan items the idea touches (a project that covers it, its goal, its systems),
    after the similar ideas: the plan is the administration's answer, ideas are colleagues'."""
    encoder = plans.encoder_of(ctx.matcher, ctx.questions.encoder)
    if encoder is None:
        return reply
    text = idea_text(idea)
    hints = plans.idea_hints(ctx.store, encoder, ctx.t, idea.id, text, ctx.now)
    project = hints.project
    owner = project.item.owner if project is not None else None
    if project and owner and plans.owner_address(ctx.store, owner) == ctx.person.platform_user_id:
        # trial 22: "Ansprechperson: sabine", told to sabine
        hints = replace(hints, project=replace(project, owner_name=ctx.t("plans.contact_you")))
    lines = plans.hint_lines(ctx.t, hints)
    return replace(reply, text="\n".join([reply.text, *lines])) if lines else reply


def intake_reply(
    t: Translator,
    name: str,
    idea: Idea,
    suggestions: Suggestions,
    reachable: set[int],
    platform: str,
) -> Reply:
    """The answer to a new idea; "Kontakt" only for authors who allow introductions
    (``reachable``) and colleagues on this ``platform``: the button must not promise what
    ``!vernetzen`` then refuses (trial 26: for the example town's people)."""
    lines = [t("idea.saved", name=name, id=idea.id)]
    if not suggestions.similar:  # first: under the colleagues it read as meant for them
        lines += ["", t("idea.saved_hint", id=idea.id)]
    buttons: list[Button] = []
    if suggestions.similar:
        lines += ["", t("idea.similar_header")]
    for similar in suggestions.similar:
        other = similar.idea.id
        own = similar.idea.author_id == idea.author_id
        key = "idea.similar_line"
        if similar.duplicate:
            key = "idea.own_duplicate_line" if own else "idea.duplicate_line"
        rejected = typed(t, "nicht-aehnlich", idea.id, other)  # typed where no buttons are
        lines.append(
            t(key, line=render.idea_line(t, similar.idea), id=other, reason=similar.reason,
              not_similar=rejected)
        )  # fmt: skip
        if not own:
            buttons.append(
                Button(t("button.support", id=other), typed(t, "unterstuetzen", other), "primary")
            )
            if similar.idea.author_id in reachable:
                buttons.append(
                    Button(
                        t("button.introduce", id=other, name=similar.idea.author_name),
                        typed(t, "vernetzen", other),
                    )
                )
        buttons.append(Button(t("button.not_similar", id=other), rejected))
    if suggestions.colleagues:
        lines += ["", t("idea.colleagues_header")]
    for colleague in suggestions.colleagues:
        person = colleague.person
        lines.append(render.colleague_line(t, colleague))
        if person.platform != platform:
            continue
        buttons.append(
            Button(
                t("button.introduce_person", name=person.display_name),
                typed(t, "vernetzen", person.platform_user_id),
            )
        )
    return Reply("\n".join(lines), buttons=tuple(buttons))


@REGISTRY.command("suche", aliases=("search",), params=(Param("query", rest=True),))
def suche(ctx: Context, query: str) -> list[Reply]:
    if not search_terms(query):
        return [Reply(ctx.t("search.too_short"))]
    hits = ctx.store.find_ideas(query, limit=ctx.settings.search_results)
    if not hits.ideas:
        return [Reply(ctx.t("search.none", query=query))]
    header = ctx.t("search.results", query=query)
    if hits.total > len(hits.ideas):  # with 310 ideas, 5 of 20 hits read as all there were
        narrower = typed(ctx.t, "suche", query)
        values = {"count": hits.total, "shown": len(hits.ideas), "command": narrower}
        header = ctx.t("search.results_more", query=query, **values)
    lines = [header, ""]
    lines += ["• " + render.idea_line(ctx.t, idea) for idea in hits.ideas]
    return [Reply("\n".join(lines))]


@REGISTRY.command("unterstuetzen", aliases=("support",), params=(Param("number", parse_number),))
def unterstuetzen(ctx: Context, number: int) -> list[Reply]:
    idea = ctx.store.get_idea(number)
    if idea is None:
        return [Reply(ctx.t("idea.not_found", id=number))]
    outcome = support_idea(ctx.uow, ctx.person, idea, ctx.now)
    count = idea.supporters + 1  # with this support, when "done"
    return [Reply(ctx.t(f"support.{outcome}", id=idea.id, target=idea.merged_into, count=count))]


@REGISTRY.command(
    "status",
    params=(Param("number", parse_number), Param("status", parse_status, rest=True)),
    roles=STEWARDS,
)
def status(ctx: Context, number: int, status: str) -> list[Reply]:
    idea = ctx.store.get_idea(number)
    if idea is None:
        return [Reply(ctx.t("idea.not_found", id=number))]
    name = ctx.t(f"status.names.{status}")
    if not change_status(ctx.uow, ctx.person, idea, status, ctx.now):
        return [Reply(ctx.t("status.unchanged", id=idea.id, status=name))]
    notice = tell_author(
        ctx,
        idea,
        lambda t: t(
            "status.author_notice",
            id=idea.id,
            status=t(f"status.names.{status}"),
            by=ctx.person.display_name,  # trial 12: a bare "abgelehnt" with nobody to ask
        ),
    )
    return [Reply(ctx.t("status.changed", id=idea.id, status=name)), *notice]


def tell_author(ctx: Context, idea: Idea, text: Callable[[Translator], str]) -> list[Reply]:
    """A direct message to the idea's author, in their language, unless they acted themselves.

    Authors on another platform (or imported ones) cannot be reached from here.
    """
    author = ctx.store.get_person(idea.author_id) if idea.author_id else None
    if author is None or author.id == ctx.person.id or author.platform != ctx.message.platform:
        return []
    theirs = ctx.settings.translator(author.language)
    return [Reply(text(theirs), direct_to=author.platform_user_id)]


def two_ideas(ctx: Context, first: int, second: int) -> tuple[Idea, Idea] | Reply:
    """Both ideas of a pair command, or the reply that explains why not."""
    if first == second:
        return Reply(ctx.t("pair.same"))
    ideas = ctx.store.get_ideas([first, second])
    for idea_id in (first, second):
        if idea_id not in ideas:
            return Reply(ctx.t("idea.not_found", id=idea_id))
    return ideas[first], ideas[second]


@REGISTRY.command(
    "zusammenfuehren",
    aliases=("merge",),
    params=(Param("number", parse_number), Param("target", parse_number)),
    roles=STEWARDS,
)
def zusammenfuehren(ctx: Context, number: int, target: int) -> list[Reply]:
    t = ctx.t
    pair = two_ideas(ctx, number, target)
    if isinstance(pair, Reply):
        return [pair]
    source, into = pair
    for idea in pair:
        if idea.merged_into is not None:
            return [Reply(t("merge.already", id=idea.id, target=idea.merged_into))]
    merge_ideas(ctx.uow, ctx.person, source, into, ctx.now)
    # One author's two ideas: nobody gains a support (one's own idea is not supported).
    own = "_own" if source.author_id is not None and source.author_id == into.author_id else ""
    key = f"merge.author_notice{own}"
    notice = tell_author(ctx, source, lambda theirs: theirs(key, source=source.id, target=into.id))
    return [Reply(t(f"merge.done{own}", source=source.id, target=into.id)), *notice]


MAX_MINE = 15


@REGISTRY.command("meine-ideen", aliases=("my-ideas",))
def meine_ideen(ctx: Context) -> list[Reply]:
    """One's own ideas, newest first, with status and supports (trial 26 found no way to list
    them but the JSON export)."""
    t = ctx.t
    ideas = ctx.store.ideas(author_ids=[ctx.person.id])[::-1]
    if not ideas:
        return ctx.privately([Reply(t("idea.none_mine", idea=typed(t, "idee")))])
    lines = [t("idea.mine_header", count=len(ideas)), ""]
    for idea in ideas[:MAX_MINE]:
        status = t(f"status.names.{idea.status}")
        if idea.merged_into is not None:
            status = t("idea.merged_into", status=status, target=idea.merged_into)
        supporters = t("idea.supporters", count=idea.supporters) if idea.supporters else ""
        values = {"id": idea.id, "summary": render.summary(idea.title or idea.text, 70)}
        lines.append(t("idea.mine_line", **values, status=status, supporters=supporters))
    if len(ideas) > MAX_MINE:
        lines.append(t("idea.mine_more", count=len(ideas) - MAX_MINE))
    return ctx.privately([Reply("\n".join(lines))])


@REGISTRY.command(
    "aendern",
    aliases=("edit",),
    params=(Param("number", parse_number), Param("text", rest=True)),
)
def aendern(ctx: Context, number: int, text: str) -> list[Reply]:
    """For the console and ideas posted with ``!idee``: chat platforms' own edits of the
    message come in as ``edited_message``."""
    idea = ctx.store.get_idea(number)
    if idea is None:
        return [Reply(ctx.t("idea.not_found", id=number))]
    return [Reply(changed_text(ctx, idea, text))]


def edited_message(ctx: Context, replaces: str) -> list[Reply]:
    """The author edited the chat message that posted an idea: the idea takes the new text
    (trial 31: the bot kept matching the typo). Edits of anything else, or by anybody else,
    change nothing and are not answered; the answer goes to the author alone, as the room
    has seen the edit already."""
    idea = ctx.store.idea_from_message(ctx.message.platform, replaces)
    if idea is None or idea.author_id != ctx.person.id:
        return []
    parsed = REGISTRY.parse(ctx.message.text, ctx.settings.command_prefix)
    text = ctx.message.text
    if isinstance(parsed, Invocation):  # "!idee …" edited: its text; another command: nothing
        if parsed.command.name != "idee":
            return []
        text = parsed.args["text"]
    if not text.strip():
        return []
    reply = Reply(changed_text(ctx, idea, text))
    if ctx.message.is_direct:
        return [reply]
    return [replace(reply, direct_to=ctx.person.platform_user_id)]


def changed_text(ctx: Context, idea: Idea, text: str) -> str:
    outcome = edit_idea(ctx.uow, ctx.matcher, ctx.person, idea, text, ctx.now)
    if outcome == "decided":
        status = ctx.t(f"status.names.{idea.status}")
        return ctx.t("edit.decided", id=idea.id, status=status, idea=typed(ctx.t, "idee"))
    return ctx.t(f"edit.{outcome}", id=idea.id, idea=typed(ctx.t, "idee"))
