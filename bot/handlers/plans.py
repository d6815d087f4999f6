"""The city's plans in chat: projects, the Digital Agenda, systems, and project status."""

from __future__ import annotations

import re
from itertools import groupby

from bot import render
from bot.commands import REGISTRY, STEWARDS, ArgumentError, Param
from bot.context import Context
from bot.events import Reply
from bot.i18n import Translator
from bot.plans import (
    encoder_of,
    find_by_most_words,
    find_items,
    items_by_meaning,
    named_by,
    owner_address,
    owner_label,
)
from bot.questions import translator_for
from bot.services.plans import set_project_status
from knowledge.folding import fold
from knowledge.plans import PROJECT_STATUSES, PlanItem
from knowledge.store import Store
from matching.places import offices

# A city's plan has some 10 to 60 projects and systems: a colleague asking for the list gets
# all of them (a CDO's blind trial was shown 15 of 19 systems, the rest silently dropped).
MAX_LISTED = 60


def parse_project_status(raw: str) -> str:
    status = fold(raw)
    if status not in PROJECT_STATUSES:
        raise ArgumentError("plans.bad_status", choices=", ".join(PROJECT_STATUSES))
    return status


def no_plan(ctx: Context) -> list[Reply] | None:
    """Before any plan was imported, every plan command says so (and an admin how to import)."""
    if ctx.store.count_plan_items():
        return None
    # trial 32: staff read a server command they cannot use
    return [Reply(ctx.t("plans.no_plan_admin" if ctx.person.role == "admin" else "plans.no_plan"))]


def project_line(t: Translator, store: Store, item: PlanItem) -> str:
    owner = owner_label(store, item.owner) or t("plans.nobody")
    return t(
        "plans.project_line",
        code=item.key,
        title=item.title,
        status=item.status or "–",
        owner=owner,
    )


def system_line(t: Translator, store: Store, item: PlanItem) -> str:
    """With the contact: trial 22's list of systems named nobody."""
    owner = owner_label(store, item.owner) or t("plans.nobody")
    return t("plans.system_line", code=item.key, title=item.title, owner=owner)


def departments(item: PlanItem) -> list[str]:
    """A system names every department that uses it, ``;``-separated in the plan."""
    named = (part.strip() for part in (item.department or "").split(";"))
    return list(dict.fromkeys(part for part in named if part))


def example_word(item: PlanItem) -> str:
    """The longest word of the title, which says the most. Hints show a key and a word of the
    plan in the store: the CDO's own plan had no ``P-1`` or ``S-1``, the example plan's keys."""
    words = [word.strip("-") for word in re.findall(r"[\w-]+", item.title)]
    return max(words, key=len, default=item.key)


def hint(t: Translator, key: str, item: PlanItem) -> str:
    return t(key, code=item.key, word=example_word(item))


def details(t: Translator, store: Store, item: PlanItem) -> str:
    """One item with everything the plan says about it and what it is linked to."""
    lines = [t(f"plans.kind.{item.kind}", title=item.title, code=item.key)]
    if item.description:
        lines.append(render.summary(item.description, 400))
    units = departments(item)
    facts = [
        ("plans.fact_owner", owner_label(store, item.owner)),
        (f"plans.fact_department{'s' if len(units) > 1 else ''}", ", ".join(units)),
        ("plans.fact_status", item.status),
        ("plans.fact_aliases", ", ".join(item.aliases)),
    ]
    goal = store.get_plan_item(item.goal) if item.goal else None
    if goal is not None:
        facts.append(("plans.fact_goal", f"„{goal.title}“ ({goal.key})"))
    systems = [s for s in (store.get_plan_item(k) for k in item.systems) if s is not None]
    facts.append(("plans.fact_systems", ", ".join(f"{s.title} ({s.key})" for s in systems)))
    if item.kind != "project":
        related = [p for p in store.plan_items("project") if item.key in (p.goal, *p.systems)]
        facts.append(("plans.fact_projects", ", ".join(f"{p.title} ({p.key})" for p in related)))
    lines += [t(key, value=value) for key, value in facts if value]
    return "\n".join(lines)


def all_projects(t: Translator, store: Store) -> str:
    """The whole list a colleague asks for (the CDO's trial saw 15 of 16), under the field of
    action each project serves: a field is also how a list too long for chat is narrowed."""
    projects = store.plan_items("project")
    if not projects:
        return t("plans.no_projects")
    goals = {g.key: g for g in store.plan_items("agenda")}
    order = list(goals)

    def field(project: PlanItem) -> str | None:
        return project.goal if project.goal in goals else None

    ranked = sorted(projects, key=lambda p: order.index(g) if (g := field(p)) else len(order))
    lines = [t("plans.projects_header", count=len(projects))]
    for key, members in groupby(ranked[:MAX_LISTED], key=field):
        if goals:  # a plan without an agenda has no fields to group by
            goal = goals.get(key or "")
            heading = t("plans.goal_group", code=goal.key, title=goal.title) if goal else None
            lines += ["", heading or t("plans.no_goal_group")]
        lines += ["• " + project_line(t, store, p) for p in members]
    if rest := ranked[MAX_LISTED:]:
        goal_key = field(rest[0]) or next(iter(order), None)
        more = t("plans.projects_more_goal", count=len(rest), goal=goal_key) if goal_key else None
        lines += ["", more or t("plans.projects_more", count=len(rest))]
    return "\n".join([*lines, "", hint(t, "plans.projects_hint", ranked[0])])


def listing(t: Translator, header: str, items: list[PlanItem], lines: list[str]) -> str:
    """Found items under their header; the rest are counted with a way to narrow the list,
    since an item left out silently is one a colleague never learns of."""
    kind = items[0].kind
    if len(items) > MAX_LISTED:
        lines = [*lines[:MAX_LISTED], "", t(f"plans.{kind}s_more", count=len(items) - MAX_LISTED)]
    return "\n".join([header, "", *lines, "", hint(t, f"plans.{kind}s_hint", items[0])])


@REGISTRY.command(
    "projekte", aliases=("projects",), params=(Param("query", required=False, rest=True),)
)
def projekte(ctx: Context, query: str | None) -> list[Reply]:
    t = ctx.t
    if (missing := no_plan(ctx)) is not None:
        return missing
    if not query:
        return [Reply(all_projects(t, ctx.store))]
    goal = next((g for g in ctx.store.plan_items("agenda") if named_by(g, query)), None)
    if goal is not None:  # "!projekte HF-1": the projects of one field of action
        found = [p for p in ctx.store.plan_items("project") if p.goal == goal.key]
        header = t("plans.projects_of_goal", code=goal.key, title=goal.title)
    else:
        found = find_items(ctx.store, query, "project")
        header = t("plans.projects_for", query=query)
        if len(found) == 1:
            return [Reply(details(t, ctx.store, found[0]))]
    # trial 13: "Homeoffice" found nothing, "Mobiles Arbeiten" fits; but an office's name says
    # nothing of a project's meaning (trial 17: "Standesamt" found the HR file project)
    if not found and goal is None and not offices(query):
        encoder = encoder_of(ctx.matcher, ctx.questions.encoder)
        found = items_by_meaning(ctx.store, encoder, query, "project") if encoder else []
        header = t("plans.projects_by_meaning", query=query)
    if not found:
        return [Reply(t("plans.no_project_found", query=query))]
    lines = ["• " + project_line(t, ctx.store, i) for i in found]
    return [Reply(listing(t, header, found, lines))]


@REGISTRY.command("agenda")
def agenda(ctx: Context) -> list[Reply]:
    t = ctx.t
    if (missing := no_plan(ctx)) is not None:
        return missing
    goals = ctx.store.plan_items("agenda")
    if not goals:
        return [Reply(t("plans.no_agenda"))]
    projects = ctx.store.plan_items("project")
    lines = [t("plans.agenda_header"), ""]
    for goal in goals:
        lines.append(t("plans.agenda_line", code=goal.key, title=goal.title))
        for project in (p for p in projects if p.goal == goal.key):
            lines.append("  ◦ " + project_line(t, ctx.store, project))
    return [Reply("\n".join(lines))]


@REGISTRY.command("system", params=(Param("system_name", required=False, rest=True),))
def system(ctx: Context, system_name: str | None) -> list[Reply]:
    """One system in detail, those a word fits, or (without a name) all of them."""
    t = ctx.t
    if (missing := no_plan(ctx)) is not None:
        return missing
    store = ctx.store
    if not system_name:
        systems = store.plan_items("system")
        lines = [system_line(t, store, s) for s in systems]
        header = t("plans.systems", count=len(systems))
        return [Reply(listing(t, header, systems, lines) if systems else t("plans.no_systems"))]
    found = find_items(store, system_name, "system")
    found = found or find_by_most_words(store, system_name, "system")
    header = t("plans.systems_for", name=system_name)
    # as a question with the word is routed (the CDO's blind trial); an office is no system's
    # meaning: "Bauhof" would be guessed the building permit system
    if not found and not offices(system_name):
        encoder = encoder_of(ctx.matcher, ctx.questions.encoder)
        found = items_by_meaning(store, encoder, system_name, "system") if encoder else []
        header = t("plans.system_by_meaning", name=system_name, count=len(found))
        if len(found) == 1:
            return [Reply(header + "\n\n" + details(t, store, found[0]))]
    if not found:
        return [Reply(t("plans.no_system_found", name=system_name))]
    if len(found) > 1:
        return [Reply(listing(t, header, found, [system_line(t, store, s) for s in found]))]
    shown = details(t, store, found[0])
    if not named_by(found[0], system_name):  # trial 17 took a near match for the name
        shown = t("plans.system_by_words", name=system_name) + "\n\n" + shown
    return [Reply(shown)]


@REGISTRY.command(
    "projektstatus",
    aliases=("project-status",),
    params=(Param("project_key"), Param("project_status", parse_project_status, rest=True)),
    roles=STEWARDS,
)
def projektstatus(ctx: Context, project_key: str, project_status: str) -> list[Reply]:
    t = ctx.t
    done = set_project_status(ctx.uow, ctx.person, project_key, project_status, ctx.now)
    if done is None:
        return [Reply(t("plans.no_project_key", code=project_key))]
    item = done.project
    if not done.changed:
        return [Reply(t("plans.status_unchanged", code=item.key, status=project_status))]
    replies = [
        Reply(t("plans.status_changed", code=item.key, title=item.title, status=project_status))
    ]
    owner = owner_address(ctx.store, item.owner) if item.owner else None
    if owner and owner != ctx.person.platform_user_id:  # trial 25: dirk never heard of it
        theirs = translator_for(ctx.store, ctx.settings, owner)
        told = theirs(
            "plans.status_changed_for_owner",
            code=item.key,
            title=item.title,
            status=project_status,
            old=item.status or theirs("plans.no_status"),
            by=ctx.person.display_name,
        )
        replies.append(Reply(told, direct_to=owner))
    return replies
