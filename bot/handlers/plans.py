"""The city's plans in chat: projects, the Digital Agenda, systems, and project status."""

from __future__ import annotations

from bot import render
from bot.commands import REGISTRY, STEWARDS, ArgumentError, Param
from bot.context import Context
from bot.events import Reply
from bot.i18n import Translator
from bot.plans import (
    encoder_of,
    find_by_most_words,
    find_items,
    named_by,
    owner_address,
    owner_label,
    projects_by_meaning,
)
from bot.questions import translator_for
from bot.services.plans import set_project_status
from knowledge.folding import fold
from knowledge.plans import PROJECT_STATUSES, PlanItem
from knowledge.store import Store
from matching.places import offices

MAX_LISTED = 15


def parse_project_status(raw: str) -> str:
    status = fold(raw)
    if status not in PROJECT_STATUSES:
        raise ArgumentError("plans.bad_status", choices=", ".join(PROJECT_STATUSES))
    return status


def no_plan(ctx: Context) -> list[Reply] | None:
    """Before any plan was imported, every plan command says how to import one."""
    return None if ctx.store.count_plan_items() else [Reply(ctx.t("plans.no_plan"))]


def project_line(t: Translator, store: Store, item: PlanItem) -> str:
    owner = owner_label(store, item.owner) or t("plans.nobody")
    return t(
        "plans.project_line",
        code=item.key,
        title=item.title,
        status=item.status or "–",
        owner=owner,
    )


def details(t: Translator, store: Store, item: PlanItem) -> str:
    """One item with everything the plan says about it and what it is linked to."""
    lines = [t(f"plans.kind.{item.kind}", title=item.title, code=item.key)]
    if item.description:
        lines.append(render.summary(item.description, 400))
    facts = [
        ("plans.fact_owner", owner_label(store, item.owner)),
        ("plans.fact_department", item.department),
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


@REGISTRY.command(
    "projekte", aliases=("projects",), params=(Param("query", required=False, rest=True),)
)
def projekte(ctx: Context, query: str | None) -> list[Reply]:
    t = ctx.t
    if (missing := no_plan(ctx)) is not None:
        return missing
    found = find_items(ctx.store, query or "", "project")
    header = t("plans.projects_for", query=query) if query else t("plans.projects_header")
    if len(found) == 1 and query:
        return [Reply(details(t, ctx.store, found[0]))]
    # trial 13: "Homeoffice" found nothing, "Mobiles Arbeiten" fits; but an office's name says
    # nothing of a project's meaning (trial 17: "Standesamt" found the HR file project)
    if not found and query and not offices(query):
        encoder = encoder_of(ctx.matcher, ctx.questions.encoder)
        found = projects_by_meaning(ctx.store, encoder, query) if encoder else []
        header = t("plans.projects_by_meaning", query=query)
    if not found:
        return [Reply(t("plans.no_project_found", query=query or ""))]
    lines = [header, ""] + ["• " + project_line(t, ctx.store, i) for i in found[:MAX_LISTED]]
    if len(found) > MAX_LISTED:
        lines.append(t("digest.more", count=len(found) - MAX_LISTED))
    lines += ["", t("plans.projects_hint")]
    return [Reply("\n".join(lines))]


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
    found = find_items(ctx.store, system_name or "", "system")
    if not found and system_name:
        found = find_by_most_words(ctx.store, system_name, "system")
    if not found:
        return [Reply(t("plans.no_system_found", name=system_name))]
    if len(found) > 1 or not system_name:
        header = t("plans.systems_for", name=system_name) if system_name else t("plans.systems")
        lines = [header, ""]  # with the contacts (trial 22: the list named nobody)
        lines += [
            t("plans.system_line", code=s.key, title=s.title,
              owner=owner_label(ctx.store, s.owner) or t("plans.nobody"))
            for s in found[:MAX_LISTED]
        ]  # fmt: skip
        return [Reply("\n".join([*lines, "", t("plans.systems_hint")]))]
    shown = details(t, ctx.store, found[0])
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
