"""Questions meet owners: a question about a known system goes to the person who runs it.

The router still decides between the CDO and the CIO; the plans add who, besides the role,
knows the answer. A question about a system (named, or clearly meant) goes to the system's
owner, with the CIO informed; an organisational question about a project goes to the
project's owner, with the role the router chose. The owner is a role here, not a
suggestion: whether they allow being suggested to colleagues does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot import render
from bot.config import Settings
from bot.events import Reply
from bot.i18n import Translator
from bot.plans import PlanMatcher, entry, owner_address, owner_label, plan_matcher
from bot.questions import (
    ROLES_OF,
    QuestionDesk,
    Recipients,
    asker_label,
    quote,
    routed,
    target_name,
    translator_for,
)
from bot.render import typed
from knowledge.folding import fold
from knowledge.plans import PlanItem
from knowledge.questions import Question
from knowledge.records import Person
from knowledge.repositories import PeopleRepository, PlanRepository
from knowledge.store import Store
from matching.encoder import Encoder
from matching.plans import PlanHit, name_pattern
from matching.question_intent import reports_fault
from matching.routing import Route


@dataclass(frozen=True)
class OwnerRoute:
    """Where the plans send a question besides the role holders, and why."""

    item: PlanItem
    kind: str  # "system" | "project"
    owner: str | None  # the plan's owner value; None: the item has nobody (roles only)
    owner_name: str | None
    asked_by_owner: bool = False  # then "also goes to them" would tell them of themselves
    owner_holds_role: bool = False  # the owner gets it as CDO or CIO anyway (trial 10)
    also: tuple[OwnerRoute, ...] = ()  # another system the question names, its owner too

    @property
    def all(self) -> tuple[OwnerRoute, ...]:
        return (self, *self.also)

    @staticmethod
    def fields(owner: OwnerRoute | None) -> dict[str, str]:
        """What ``ideenlotse route --json`` adds where known: the owner, and the system or
        project (its key)."""
        if owner is None:
            return {}
        known = {"owner": owner.owner, owner.kind: owner.item.key}
        return {name: value for name, value in known.items() if value}

    def reason(self, t: Translator) -> str:
        """The line the asker (and the owner, and the role holders) read."""
        kind = "plans.route_system" if self.kind == "system" else "plans.route_project"
        own = "_own" if self.asked_by_owner else "_holder" if self.owner_holds_role else ""
        key = kind + (own if self.owner else "_nobody")
        said = t(key, title=self.item.title, code=self.item.key, owner=self.owner_name or "")
        for other in self.also:
            told = other.owner not in (None, self.owner) and not (
                other.asked_by_owner or other.owner_holds_role
            )
            also = "plans.route_also_system" + ("" if told else "_nobody")
            said += " " + t(
                also, title=other.item.title, code=other.item.key, owner=other.owner_name
            )
        return said


def owner_route(
    plans: PlanRepository, people: PeopleRepository, desk: QuestionDesk, text: str, route: Route
) -> tuple[Route, OwnerRoute | None]:
    """The route with the plans taken into account: a system question also goes to the CIO
    (``system_side``; the owner gets it too), a project question keeps the router's role."""
    if desk.encoder is None:
        return route, None
    matcher = plan_matcher(plans, desk.encoder)
    return _owners(matcher, people, desk.encoder, [text], [route])[0]


def route_question(
    plans: PlanRepository,
    people: PeopleRepository,
    settings: Settings,
    desk: QuestionDesk,
    question: Question,
    now: str,
) -> tuple[Route, str, OwnerRoute | None]:
    """Route, plan owner, and the stored reason (in the bot's language); the question is
    linked to the plan item so reminders and the export know the owner. Reads the plan and
    who its owners are, writes that link: nothing else (the repositories say so)."""
    route, owner = owner_route(plans, people, desk, question.text, routed(desk, question.text))
    # trial 18: "für das maria die Ansprechperson ist" for maria the CDO, on a question that
    # went to the CIO alone: she holds a role, but not one the question goes to
    holders = {user for role in ROLES_OF[route.target] for user in settings.holders(role)}

    def placed(owner: OwnerRoute) -> OwnerRoute:
        if owner.owner is None:
            return owner
        address = owner_address(people, owner.owner)
        return replace(
            owner,
            asked_by_owner=address == question.asker_user_id,
            owner_holds_role=address in holders,
        )

    if owner is not None:
        owner = replace(placed(owner), also=tuple(map(placed, owner.also)))
    t = settings.translator()
    reason = owner.reason(t) if owner else render.route_reason(t, route)
    for each in owner.all if owner else ():
        plans.link_question_to_plan(question.id, each.item.key, each.owner, now)
    return route, reason, owner


def tell_owner(
    store: Store, settings: Settings, question: Question, owner: OwnerRoute | None, to: Recipients
) -> list[Reply]:
    """The question for the item's owner, in their language, unless they asked it themselves
    or are among the role holders who get it anyway; ``to``: who else got it (trial 7: with
    nobody configured, an owner read that the CIO had it too)."""
    # those who get it anyway: the recipients, or the role holders reading the triage room
    roles = ROLES_OF[question.target or "both"] if to.room else ()
    told = {question.asker_user_id, *to.users, *(u for r in roles for u in settings.holders(r))}
    replies = []
    for each in owner.all if owner else ():
        if each.owner is None or (address := owner_address(store, each.owner)) in told:
            continue
        told.add(address)  # one message, also for the owner of both systems
        t = translator_for(store, settings, address)
        item = each.item
        how = (
            t("plans.owner_alone", id=question.id)
            if to.nobody
            else t(
                "plans.owner_how", id=question.id, roles=target_name(t, question.target or "both")
            )
        )
        lines = [
            t("plans.owner_question", id=question.id, title=item.title, code=item.key),
            t("question.delivery_from", asker=asker_label(t, question)),
            quote(question.text),
            how,
        ]
        replies.append(Reply("\n".join(lines), direct_to=address))
    return replies


def owns_question(
    plans: PlanRepository, people: PeopleRepository, person: Person, question_id: int
) -> bool:
    """Is the person the plan owner a question went to? Then they may answer it like the role
    holders (trial 11: owners were sent questions and then refused ``!antwort``)."""
    return any(
        link.owner is not None and owner_address(people, link.owner) == person.platform_user_id
        for link in plans.question_plan_links(question_id)
    )


def owner_told_of_answer(
    store: Store, settings: Settings, question: Question, responder: Person, text: str
) -> list[Reply]:
    """The plan owner a question went to learns that a role holder answered it, so they do
    not answer it a second time (trial 12: jonas never heard the CDO had answered)."""
    told = {responder.platform_user_id, question.asker_user_id}
    replies = []
    for link in store.question_plan_links(question.id):
        if link.owner is None or (address := owner_address(store, link.owner)) in told:
            continue
        told.add(address)
        t = translator_for(store, settings, address)
        said = t("question.answered_for_owner", id=question.id, responder=responder.display_name)
        replies.append(Reply(said + "\n" + quote(text), direct_to=address))
    return replies


def is_plan_contact(store: Store, person: Person) -> bool:
    """Is the person a contact of the plan (of an item, or of a question sent to them)?
    Then ``!offen`` answers them, also when nothing is open (trial 12 was refused)."""
    me = person.platform_user_id
    if any(link.owner and owner_address(store, link.owner) == me
           for link in store.questions_linked_to_owner([me])):  # fmt: skip
        return True
    return any(i.owner and owner_address(store, i.owner) == me for i in store.plan_items())


def owned_open_questions(store: Store, person: Person) -> list[Question]:
    """The open questions that went to this person as a plan owner, oldest first."""
    links = store.questions_linked_to_owner([person.platform_user_id])
    mine = {
        link.question_id
        for link in links
        if link.owner is not None and owner_address(store, link.owner) == person.platform_user_id
    }
    return [question for question in store.open_questions() if question.id in mine]


def plan_owners(
    store: Store, encoder: Encoder, texts: Sequence[str], routes: Sequence[Route]
) -> list[tuple[Route, OwnerRoute | None]]:
    """``owner_route`` for many questions at once, encoded in one batch (``ideenlotse
    route``): the plan is read in a transaction of its own, the texts encoded after it."""
    with store.transaction():
        matcher = plan_matcher(store, encoder)
    return _owners(matcher, store, encoder, texts, routes)


def _owners(
    matcher: PlanMatcher | None,
    people: PeopleRepository,
    encoder: Encoder,
    texts: Sequence[str],
    routes: Sequence[Route],
) -> list[tuple[Route, OwnerRoute | None]]:
    if matcher is None:
        return [(route, None) for route in routes]
    items = matcher.items

    def to(hit: PlanHit, *also: OwnerRoute) -> OwnerRoute:
        item = items[hit.key]
        return OwnerRoute(item, hit.kind, item.owner, owner_label(people, item.owner), also=also)

    found: list[tuple[Route, OwnerRoute | None]] = []
    vectors = encoder.encode(list(texts))
    for text, vector, route in zip(texts, vectors, routes, strict=True):
        chosen = matcher.for_question(text, vector, route.target)
        if chosen.item is None or chosen.kind is None:
            found.append((route, None))
            continue
        owner = to(chosen.item, *map(to, chosen.also))
        found.append((system_side(route) if chosen.kind == "system" else route, owner))
    return found


def system_side(route: Route) -> Route:
    """The CIO runs the systems, so a system question reaches the CIO; one the router judged
    organisational stays the CDO's as well. "Wer entscheidet, welche Onlinedienste als
    Nächstes kommen?" names the OZG platform, yet is not the CIO's to answer alone: in a
    colleague trial, sending every system question to the CIO alone sent three of eight
    questions to the wrong single role."""
    return replace(route, target="both") if route.target == "cdo" else route


# "Wer ist für TEVIS zuständig?": the plan knows, so the bot answers at once instead of
# sending it to the CIO (trial 25). Only the bare question: one that also reports a fault or
# says more ("..., das Ding hängt seit heute") is routed as any other.
_WHO = re.compile(
    r"(?<!\w)(?:wer|an wen)(?!\w).*(?<!\w)(?:zustaendig|verantwortlich|ansprechpartner\w*"
    r"|ansprechperson\w*|kuemmert sich|betreut|wende ich mich)(?!\w)"
)
MAX_WHO_WORDS = 12


def responsible_for(plans: PlanRepository, text: str) -> PlanItem | None:
    """The one plan item with an owner that a bare "who is responsible for X?" names."""
    if len(text.split()) > MAX_WHO_WORDS or reports_fault(text) or not _WHO.search(fold(text)):
        return None
    folded = text.casefold()
    named = [
        item
        for item in plans.plan_items()
        if item.owner
        and any(name_pattern(n).search(folded) for n in (*entry(item).names, item.title))
    ]
    return named[0] if len(named) == 1 else None


def contact_reply(t: Translator, people: PeopleRepository, asker: Person, item: PlanItem) -> str:
    """The plan's contact for the item a bare "Wer ist für … zuständig?" names."""
    owner = item.owner or ""
    values = {"title": item.title, "code": item.key}
    if owner_address(people, owner) == asker.platform_user_id:
        return t("plans.contact_is_you", **values)
    name = owner_label(people, owner) or owner
    return t("plans.contact_is", **values, owner=name, ask=typed(t, "frage") + " …")
