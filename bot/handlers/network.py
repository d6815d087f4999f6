"""Connecting people: opt-in, who works on what, introductions, and "not similar" feedback."""

from __future__ import annotations

import re

from bot import render
from bot.commands import REGISTRY, Param, parse_number
from bot.context import Context
from bot.events import Reply
from bot.handlers.ideas import two_ideas
from bot.i18n import Translator
from bot.plans import encoder_of, find_items, items_by_meaning, named_by
from bot.services.ideas import mark_not_similar
from bot.services.people import decline_introduction, request_introduction, set_matching
from knowledge.folding import fold
from knowledge.plans import PlanItem
from knowledge.records import DEMO_PLATFORM, Person
from knowledge.store import Store
from matching.people import asked_topic, names
from matching.places import offices

ON, OFF = {"an", "ein", "on", "ja"}, {"aus", "off", "nein"}
DECLINE = {"ablehnen", "zurueckziehen", "decline", "withdraw", "nein"}  # folded: "zurückziehen" too
ACCEPT = {"annehmen", "akzeptieren", "zustimmen", "bestaetigen", "accept"}
MAX_WHO = 5
MAX_CONTACTS = 3


def plan_contacts(store: Store, topic: str) -> list[PlanItem]:
    """Projects and systems of the plan whose names or descriptions mention the topic and
    that have a contact person, those named so first (the DMS for "E-Akte"). `!wer` points
    to them (``!projekte P-1``) rather than naming the person: it suggests only colleagues
    who opted in, and the contact is a role."""
    found = [*find_items(store, topic, "project"), *find_items(store, topic, "system")]
    wanted = topic.strip().casefold()
    named = [i for i in found if wanted in {n.casefold() for n in (i.title, *i.aliases)}]
    ordered = [*named, *(i for i in found if i not in named)]  # trial 15: `!wer E-Akte`
    return [item for item in ordered if item.owner][:MAX_CONTACTS]


def projects_meant(ctx: Context, topic: str) -> list[PlanItem]:
    """A project with a contact that the topic means without naming it: trial 29's `!wer
    Homeoffice` found nobody and not the project "Mobiles Arbeiten". No guess from an
    office's name (it says nothing about a project's meaning, see `!projekte`)."""
    encoder = encoder_of(ctx.matcher, ctx.questions.encoder)
    if encoder is None or offices(topic):
        return []
    found = items_by_meaning(ctx.store, encoder, topic, "project", limit=MAX_CONTACTS)
    return [item for item in found if item.owner][:1]


def other_names(store: Store, topic: str) -> tuple[str, ...]:
    """The other names of a system the topic names ("Dokumentenmanagement": "enaio",
    "E-Akte", "DMS"): the city's plan says they are one thing, so a colleague interested in
    "E-Akte" fits `!wer Dokumentenmanagement` (trial 22 listed two with "Zeiterfassung",
    close by cosine, and not her)."""
    wanted = " ".join(topic.split()).casefold()
    named = [i for i in store.plan_items("system") if named_by(i, topic)]
    return tuple(n for i in named for n in (i.title, *i.aliases) if n.casefold() != wanted)


_AND = re.compile(r"\s*(?:,|;|/|&|\bund\b|\boder\b|\band\b|\bor\b)\s*", re.IGNORECASE)


def topic_parts(topic: str) -> list[str]:
    """The topics of a `!wer` that names several ("Stadtpläne und Karten"), else none."""
    parts = [part for part in _AND.split(topic) if part.strip()]
    return parts if len(parts) > 1 else []


@REGISTRY.command("matching", params=(Param("switch", required=False),))
def matching(ctx: Context, switch: str | None) -> list[Reply]:
    t, person = ctx.t, ctx.person
    if switch is None:
        return [Reply(t("matching.is_on" if person.matching_opt_in else "matching.is_off"))]
    value = fold(switch)
    if value not in ON | OFF:
        return [Reply(t("matching.bad_value"))]
    enabled = value in ON
    if enabled == bool(person.matching_opt_in):  # trial 12: "niemandem mehr" when never on
        return [Reply(t("matching.is_on" if enabled else "matching.is_off"))]
    set_matching(ctx.uow, person, enabled, ctx.now)
    return [Reply(t("matching.on" if enabled else "matching.off"))]


@REGISTRY.command("wer", aliases=("who",), params=(Param("topic", rest=True),))
def wer(ctx: Context, topic: str) -> list[Reply]:
    t = ctx.t
    topic = asked_topic(topic)  # "hat jemand Ahnung von E-Rechnung?" (trial 20)
    found = ctx.matcher.who(
        ctx.store, topic, ctx.person, MAX_WHO, also=other_names(ctx.store, topic)
    )
    contacts = plan_contacts(ctx.store, topic)
    # "Stadtpläne und Karten": each topic on its own too (trial 18: nobody fitted both,
    # while "Karten" alone found three colleagues and the GIS)
    for part in topic_parts(topic):
        also = other_names(ctx.store, part)
        found += [c for c in ctx.matcher.who(ctx.store, part, ctx.person, MAX_WHO, also=also)
                  if c.person.id not in {f.person.id for f in found}]  # fmt: skip
        contacts += [i for i in plan_contacts(ctx.store, part) if i not in contacts]
    found, contacts = found[:MAX_WHO], contacts[:MAX_CONTACTS]
    guessed = not (found or contacts) and bool(contacts := projects_meant(ctx, topic))
    if not found:
        none = "who.none_but_plan_meaning" if guessed else "who.none_but_plan"
        text = t(none if contacts else "who.none", topic=topic)
        if ideas := ctx.store.find_ideas(topic, limit=1).total:  # trial 28: ideas without people
            text += " " + t("who.ideas_hint", count=ideas, command=render.typed(t, "suche", topic))
    else:
        lines = [t("who.results", topic=topic, count=len(found)), ""]
        for colleague in found:
            lines.append(render.colleague_line(t, colleague))
        lines += ["", t("who.connect_hint")]
        text = "\n".join(lines)
    if contacts:  # trial 13: `!wer E-Rechnung` did not lead to the e-invoice project's contact
        lines = [t("who.plan_header")] if found else []
        lines += [t(f"who.plan_{i.kind}", title=i.title, code=i.key) for i in contacts]
        text += "\n\n" + "\n".join(lines)
    if not ctx.person.matching_opt_in and ctx.store.interests(ctx.person.id):
        # for those who declared interests and are not found by them; to everybody after
        # every `!wer` it was noise (trial 26)
        text += "\n\n" + t("who.opt_in_hint")
    return [Reply(text)]


@REGISTRY.command("vernetzen", aliases=("connect",), params=(Param("whom", rest=True),))
def vernetzen(ctx: Context, whom: str) -> list[Reply]:
    first, _, rest = whom.partition(" ")
    if fold(first) in ACCEPT:  # trial 26 tried "annehmen": an introduction needs no yes
        return [Reply(ctx.t("connect.nothing_to_accept"))]
    if fold(first) in DECLINE:
        try:
            return decline(ctx, parse_number(rest.strip()))
        except ValueError:
            return [Reply(ctx.t("connect.decline_usage"))]
    idea_id: int | None = None
    if whom.lstrip("#").isdecimal():
        idea = ctx.store.get_idea(int(whom.lstrip("#")))
        if idea is None:
            return [Reply(ctx.t("idea.not_found", id=whom.lstrip("#")))]
        target = ctx.store.get_person(idea.author_id) if idea.author_id else None
        if target is None:
            return [Reply(ctx.t("connect.no_author", id=idea.id))]
        idea_id = idea.id
    else:
        target = find_person(ctx, whom.lstrip("@") if ctx.message.platform == "console" else whom)
        if target is None:
            return [Reply(ctx.t("connect.unknown_person", name=whom))]
    return introduce(ctx, target, idea_id, typed=None if idea_id else whom)


def find_person(ctx: Context, name: str) -> Person | None:
    """Someone the asker can mean: a person of their own platform, or an example colleague
    of the demo town (suggested by the bot, so their id must work with ``!vernetzen``)."""
    reachable = (ctx.message.platform, DEMO_PLATFORM)
    for platform in reachable:
        exact = ctx.store.find_person(platform, name)
        if exact is not None:
            return exact
    named = [p for p in ctx.store.people_named(name) if p.platform in reachable]
    return named[0] if len(named) == 1 else None


def supportable(ctx: Context, idea_id: int | None) -> bool:
    """May the person still support the idea? Then the refusal of an introduction points
    there (trial 11 was pointed to an idea it supported already, and to a merged one)."""
    idea = ctx.store.get_idea(idea_id) if idea_id else None
    if idea is None or idea.merged_into is not None or idea.author_id == ctx.person.id:
        return False
    return ctx.person.id not in ctx.store.supporter_ids(idea.id)


def introduce(
    ctx: Context, target: Person, idea_id: int | None, typed: str | None = None
) -> list[Reply]:
    """``typed``: the name the asker gave; somebody who has not opted in is then not told
    apart from somebody unknown (trial 23 learnt who uses the bot and who declined)."""
    t, me = ctx.t, ctx.person
    asked = request_introduction(
        ctx.uow, me, target, idea_id, ctx.now, platform=ctx.message.platform
    )
    name = target.display_name
    match asked.outcome:
        case "self":
            return [Reply(t("connect.self"))]
        case "not_opted_in" if typed is not None:
            return [Reply(t("connect.unknown_person", name=typed))]
        case "not_opted_in":
            hint = t("connect.support_hint", id=idea_id) if supportable(ctx, idea_id) else ""
            return [Reply(t("connect.not_opted_in", id=idea_id) + hint)]  # not why
        case "elsewhere":  # no direct message can reach them from here
            key = "connect.example" if target.platform == DEMO_PLATFORM else "connect.elsewhere"
            return [Reply(t(key, name=name))]
        case "already":
            return [Reply(t("connect.already", name=name, id=asked.number))]
    theirs = ctx.settings.translator(target.language)
    topics = "" if idea_id else ", ".join(f"„{topic}“" for topic in common_topics(ctx, me, target))

    def about(tr: Translator) -> str:
        if idea_id:
            return tr("connect.about", id=idea_id)
        return tr("connect.about_topics", topics=topics) if topics else ""

    return [
        Reply(t("connect.requested", name=name, id=asked.number, about=about(t))),
        Reply(
            theirs(
                "connect.request_notice",
                name=me.display_name,
                id=asked.number,
                department=render.department(theirs, me.department),
                about=about(theirs),
            ),
            direct_to=target.platform_user_id,
        ),
    ]


def common_topics(ctx: Context, me: Person, other: Person, limit: int = 2) -> list[str]:
    """The declared interests of either that the other's interests or ideas name: what the
    introduced person reads as the reason (trial 18: "nico möchte sich mit Ihnen austauschen"
    said nothing of the car pool both had written about). Named whole, as on intake: a shared
    part read "Winterdienst" out of "Dienstwagen" (trial 19)."""
    found: list[str] = []
    for one, two in ((other, me), (me, other)):
        said = "\n".join(
            [*ctx.store.interests(two.id), *(i.text for i in ctx.store.ideas(author_ids=[two.id]))]
        )
        for topic in ctx.store.interests(one.id):
            if topic not in found and names(said, topic, synonyms=True):
                found.append(topic)
    return found[:limit]


def decline(ctx: Context, number: int) -> list[Reply]:
    t, me = ctx.t, ctx.person
    declined = decline_introduction(ctx.uow, me, number, ctx.now)
    if declined.outcome != "declined":
        return [Reply(t(f"connect.{declined.outcome}", id=number))]
    other = ctx.store.get_person(declined.other_id) if declined.other_id is not None else None
    replies = [Reply(t("connect.declined"))]
    if other is not None:
        theirs = ctx.settings.translator(other.language)
        replies.append(
            Reply(
                theirs("connect.declined_notice", name=me.display_name, id=number),
                direct_to=other.platform_user_id,
            )
        )
    return replies


@REGISTRY.command(
    "nicht-aehnlich",
    aliases=("not-similar",),
    params=(Param("number", parse_number), Param("other", parse_number)),
)
def nicht_aehnlich(ctx: Context, number: int, other: int) -> list[Reply]:
    pair = two_ideas(ctx, number, other)
    if isinstance(pair, Reply):
        return [pair]
    first, second = pair
    if first.merged_into == second.id or second.merged_into == first.id:  # trial 11
        return [Reply(ctx.t("feedback.merged", a=number, b=other))]
    score = ctx.matcher.pair_score(number, other)
    outcome = mark_not_similar(ctx.uow, ctx.person, first, second, score, ctx.now)
    return [Reply(ctx.t(f"feedback.{outcome}", a=number, b=other))]
