"""Self-service: what a person tells the bot about themselves."""

from __future__ import annotations

from bot.commands import REGISTRY, Param
from bot.context import Context
from bot.events import Reply
from bot.services.people import (
    MAX_INTEREST_LENGTH,
    MAX_INTERESTS,
    set_department,
    set_interests,
    split_topics,
)

CLEAR_WORDS = {"keine", "keiner", "none", "-", "nichts"}
MAX_DEPARTMENT_LENGTH = 80


@REGISTRY.command(
    "interessen", aliases=("interests",), params=(Param("topics", required=False, rest=True),)
)
def interessen(ctx: Context, topics: str | None) -> list[Reply]:
    t, person = ctx.t, ctx.person
    if not topics:
        current = ctx.store.interests(person.id)
        if not current:
            return [Reply(t("interests.none"))]
        return [Reply(t("interests.shown", topics=", ".join(current)))]
    if topics.strip().casefold() in CLEAR_WORDS:
        set_interests(ctx.uow, person, [], ctx.now)
        return [Reply(t("interests.cleared"))]
    wanted = split_topics(topics)
    if len(wanted) > MAX_INTERESTS:
        return [Reply(t("interests.too_many", max=MAX_INTERESTS))]
    for topic in wanted:
        if len(topic) > MAX_INTEREST_LENGTH:
            return [Reply(t("interests.too_long", max=MAX_INTEREST_LENGTH, topic=topic))]
    before = ctx.store.interests(person.id)
    set_interests(ctx.uow, person, wanted, ctx.now)  # !wer knows them once committed
    text = t("interests.saved", topics=", ".join(wanted))
    kept = {topic.casefold() for topic in wanted}
    if dropped := [topic for topic in before if topic.casefold() not in kept]:
        # trial 22: five interests gone without a word; the command that keeps them all
        text += " " + t("interests.dropped", topics=", ".join(dropped))
        if len(wanted) + len(dropped) <= MAX_INTERESTS:
            text += " " + t("interests.keep_all", topics=", ".join([*wanted, *dropped]))
    if not person.matching_opt_in:  # trial 13: interests saved, then "kenne noch niemanden"
        text += " " + t("interests.matching_off")
    return [Reply(text)]


@REGISTRY.command(
    "fachbereich",
    aliases=("department",),
    params=(Param("department", required=False, rest=True),),
)
def fachbereich(ctx: Context, department: str | None) -> list[Reply]:
    """Where nobody's platform says (Matrix, a Slack without a directory), people say it
    themselves: the digest groups ideas by department and looks for synergies across them."""
    t, person = ctx.t, ctx.person
    if not department:
        if person.department:
            return [Reply(t("department.shown", department=person.department))]
        return [Reply(t("department.none"))]
    wanted = " ".join(department.split())
    if wanted.casefold() in CLEAR_WORDS:
        set_department(ctx.uow, person, None, ctx.now)
        return [Reply(t("department.cleared"))]
    if len(wanted) > MAX_DEPARTMENT_LENGTH:
        return [Reply(t("department.too_long", max=MAX_DEPARTMENT_LENGTH))]
    filled = set_department(ctx.uow, person, wanted, ctx.now)
    text = t("department.saved", department=wanted)
    if filled:
        text += " " + t("department.filled", count=filled)
    return [Reply(text)]
