"""Questions: ask, reuse an earlier answer, answer, re-route, and see what is open.

The order matters and is the same on every path: store first, then offer what is known,
then route and deliver. The first three, and who may do what, are the services'
(``bot.services.questions``); these handlers word the outcome and address it. An answer goes
back where the question was asked (its thread, or a direct message) and stays as knowledge
for the next person who asks the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import render
from bot.commands import REGISTRY, STEWARDS, ArgumentError, Param, parse_number
from bot.config import Settings
from bot.context import Context
from bot.events import Button, Reply
from bot.handlers.ideas import share_idea
from bot.i18n import Translator
from bot.plans_questions import (
    contact_reply,
    is_plan_contact,
    owned_open_questions,
    owner_told_of_answer,
    owns_question,
    responsible_for,
    tell_owner,
)
from bot.question_text import kept_private, offers_as_idea, person_sought, privacy_note
from bot.questions import (
    MAX_LISTED,
    Offer,
    asker_label,
    asker_notice,
    deliver,
    is_overdue,
    local_time,
    quote,
    recipients,
    send,
    target_name,
)
from bot.render import typed
from bot.services import questions as service
from bot.services.questions import Routed
from knowledge.folding import fold
from knowledge.questions import Question

_TARGETS = {"cdo": "cdo", "cio": "cio", "beide": "both", "both": "both", "alle": "both"}
_VERDICTS = {"ja": True, "yes": True, "j": True, "y": True, "nein": False, "no": False, "n": False}


def parse_target(raw: str) -> str:
    target = _TARGETS.get(fold(raw))
    if target is None:
        raise ArgumentError("question.bad_target")
    return target


def parse_verdict(raw: str) -> bool:
    verdict = _VERDICTS.get(fold(raw))
    if verdict is None:
        raise ArgumentError("question.bad_verdict")
    return verdict


@REGISTRY.command("frage", aliases=("ask",), params=(Param("text", rest=True),))
def frage(ctx: Context, text: str) -> list[Reply]:
    return ask_question(ctx, text)


def ask_question(ctx: Context, text: str, *, guessed: bool = False) -> list[Reply]:
    """Store the question, offer an earlier answer if one fits, else route it. ``guessed``:
    a plain message read as a question; it, and a question that proposes something, may be
    kept as an idea instead."""
    if (item := responsible_for(ctx.store, text)) is not None:
        return [Reply(contact_reply(ctx.t, ctx.store, ctx.person, item))]
    message = ctx.message
    asked = service.ask_question(
        ctx.uow, ctx.settings, ctx.questions, ctx.person, text, ctx.now,
        platform=message.platform, room=message.room,
        thread=message.thread_id or message.event_id, event_id=message.event_id,
        directly=message.is_direct,
    )  # fmt: skip
    if isinstance(asked, service.Offered):
        replies = [offer_reply(ctx.t, asked.question, asked.offer, ctx.settings)]
    else:
        replies = routed_replies(ctx, asked)
    if offers_as_idea(text, guessed=guessed):
        question = asked.question
        first = replies[0]
        button = Button(ctx.t("question.button_to_idea"), typed(ctx.t, "als-idee", question.id))
        replies[0] = replace(
            first,
            text=first.text + "\n\n" + ctx.t("question.maybe_idea", id=question.id),
            buttons=(*first.buttons, button),
        )
    return replies


@REGISTRY.command("als-idee", aliases=("as-idea",), params=(Param("number", parse_number),))
def als_idee(ctx: Context, number: int) -> list[Reply]:
    """The asker's open question kept as an idea instead; whoever it went to learns that it
    needs no answer."""
    t = ctx.t
    question = service.question_to_idea(ctx.uow, ctx.person, number, ctx.now)
    if isinstance(question, str):
        key = "not_yours" if question == "not_yours" else "to_idea_not_open"
        return [Reply(t(f"question.{key}", id=number))]
    replies = share_idea(ctx, question.text)
    done = t("question.now_idea", id=question.id)
    replies[0] = replace(replies[0], text=done + "\n\n" + replies[0].text)
    if question.target is not None and question.routed_at is not None:
        to = recipients(ctx.settings, question.target)

        def compose(theirs: Translator) -> str:
            asker = asker_label(theirs, question)
            return theirs("question.made_idea_for_roles", id=question.id, asker=asker)

        replies += send(ctx.store, ctx.settings, to, compose)
    return replies


def offer_reply(t: Translator, question: Question, offer: Offer, settings: Settings) -> Reply:
    known = offer.answer
    responder = known.answer.responder_name or t("idea.unknown_author")
    day = local_time(settings, known.answer.created_at).split()[0]  # "seit 10:30" may be old
    lines = [
        t("question.saved", id=question.id),
        t("question.offer_answer", other=known.question_id, responder=responder, day=day),
        quote(known.answer.text),
        "",
        t("question.did_it_help", id=question.id),
    ]
    buttons = (
        Button(
            t("question.button_helped"), typed(t, "geholfen", t("word.yes"), question.id), "primary"
        ),
        Button(t("question.button_not_helped"), typed(t, "geholfen", t("word.no"), question.id)),
    )
    return Reply("\n".join(lines), buttons=buttons)


def routed_replies(ctx: Context, routed: Routed, *, passed_on: bool = False) -> list[Reply]:
    """Deliver the routed question and tell the asker where it went; ``passed_on``: the
    question was saved before (an earlier answer was offered and did not help), so it is not
    "saved" again."""
    t, question, route, owner = ctx.t, routed.question, routed.route, routed.owner
    delivered, to = deliver(ctx.store, ctx.settings, question)
    told = tell_owner(ctx.store, ctx.settings, question, owner, to)
    delivered += told
    key = "question.not_helped" if passed_on else "question.routed"
    text = t(key, id=question.id, roles=target_name(t, route.target))
    note = privacy_note(question.text)
    if note != "question.conflict":  # a wrong reason is worse than none (trial 29)
        text += " " + (owner.reason(t) if owner else render.route_reason(t, route))
    notice = asker_notice(t, question, to)
    if told and to.nobody and owner is not None:
        roles = target_name(t, route.target)
        names = list(dict.fromkeys(o.owner_name for o in owner.all if o.owner and o.owner_name))
        owners = t("word.and").join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        notice = t("question.nobody_but_owner", owner=owners, roles=roles, id=question.id)
    parts = [text, notice or t("question.answer_comes_here")]
    if note is not None:
        parts.append(t(note))
    if (topic := person_sought(question.text)) is not None:
        parts.append(t("question.who_hint", who=typed(t, "wer", topic or t("question.topic"))))
    if routed.idea is not None:
        parts.append(t("question.also_idea") + "\n• " + render.idea_line(t, routed.idea.idea))
    return [Reply("\n\n".join(p for p in parts if p)), *delivered]


def to_asker(ctx: Context, question: Question, compose: str) -> tuple[list[Reply], bool]:
    """A message for the asker where they asked; False when it cannot be delivered from here.

    Replies go out through the platform of the current event, so an asker on another
    platform (or one who was erased) reads it with ``!meine-fragen`` instead.
    """
    if question.asker_user_id is None or question.asker_id == ctx.person.id:
        return [], question.asker_id == ctx.person.id
    if question.asker_platform != ctx.message.platform:
        return [], False
    if question.asked_directly or question.source_room is None:
        return [Reply(compose, direct_to=question.asker_user_id)], True
    return [Reply(compose, room=question.source_room, thread_id=question.source_thread)], True


def refusal(ctx: Context, key: str, number: int, **values: str) -> str:
    """Why a role holder cannot act on a question; another role's says whose it is (trial
    25: the CDO read "nicht an Ihre Rolle gerichtet" and had to guess where it was)."""
    question = ctx.store.get_question(number) if key == "not_in_remit" else None
    if question is not None and question.target is not None:
        where = target_name(ctx.t, question.target)
        return ctx.t("question.not_in_remit_where", id=number, where=where)
    return ctx.t(f"question.{key}", id=number, **values)


def asker_translator(ctx: Context, question: Question) -> Translator:
    return ctx.settings.translator(question.asker_language)


def _owns(ctx: Context, args: dict[str, Any]) -> bool:
    return owns_question(ctx.store, ctx.store, ctx.person, args["number"])


def _not_theirs(ctx: Context, args: dict[str, Any]) -> str | None:
    if not is_plan_contact(ctx.store, ctx.person):
        return None
    return ctx.t("question.not_sent_to_you", id=args["number"])


@REGISTRY.command(
    "antwort",
    aliases=("answer",),
    params=(Param("number", parse_number), Param("text", rest=True)),
    roles=STEWARDS,
    also=_owns,
    refused=_not_theirs,
)
def antwort(ctx: Context, number: int, text: str) -> list[Reply]:
    t = ctx.t
    answered = service.answer_question(ctx.uow, ctx.person, number, text, ctx.now)
    if isinstance(answered, str):
        return [Reply(refusal(ctx, answered, number))]
    question, answer = answered.question, answered.answer
    theirs = asker_translator(ctx, question)
    message = "\n".join(
        [
            theirs("question.answer_for_asker", id=question.id, responder=ctx.person.display_name),
            quote(answer.text),
            theirs("question.your_question", summary=render.summary(question.text)),
        ]
    )
    replies, delivered = to_asker(ctx, question, message)
    private = kept_private(f"{question.text} {answer.text}")  # so never offered to others
    key = "question.answer_saved_private" if private else "question.answer_saved"
    key = "question.answer_added" if question.status == "beantwortet" else key
    confirmation = t(key, id=question.id, asker=question.asker_name or t("idea.unknown_author"))
    if not delivered:
        confirmation += " " + t("question.asker_elsewhere")
    if ctx.person.role not in STEWARDS and question.target is not None:
        replies += roles_told(ctx, question, answer.text)  # so they do not answer it again
    else:
        replies += owner_told_of_answer(ctx.store, ctx.settings, question, ctx.person, answer.text)
    return [Reply(confirmation), *replies]


def roles_told(ctx: Context, question: Question, text: str) -> list[Reply]:
    """The role holders learn that the plan's contact person answered their question."""
    me = ctx.person

    def compose(theirs: Translator) -> str:
        told = theirs("question.owner_answered", id=question.id, responder=me.display_name)
        return told + "\n" + quote(text)

    to = recipients(ctx.settings, question.target or "both")
    return [
        r for r in send(ctx.store, ctx.settings, to, compose) if r.direct_to != me.platform_user_id
    ]


@REGISTRY.command(
    "weiterleiten",
    aliases=("reroute",),
    params=(Param("number", parse_number), Param("route", parse_target)),
    roles=STEWARDS,
    also=_owns,
    refused=_not_theirs,
)
def weiterleiten(ctx: Context, number: int, route: str) -> list[Reply]:
    t = ctx.t
    reason = t("question.rerouted_reason", by=ctx.person.display_name)
    rerouted = service.reroute_question(ctx.uow, ctx.person, number, route, reason, ctx.now)
    if isinstance(rerouted, str):
        return [Reply(refusal(ctx, rerouted, number, roles=target_name(t, route)))]
    question, current = rerouted.question, rerouted.current
    delivered, to = deliver(ctx.store, ctx.settings, current, by=ctx.person.display_name)
    me = ctx.person.platform_user_id  # trial 10: the CDO got her own re-routing as news
    delivered = [reply for reply in delivered if reply.direct_to != me]
    theirs = asker_translator(ctx, question)
    news = theirs("question.rerouted_for_asker", id=question.id, roles=target_name(theirs, route))
    to_them, _ = to_asker(ctx, question, news)
    key = "question.rerouted" if ctx.person.role in STEWARDS else "question.rerouted_once"
    done = t(key, id=question.id, roles=target_name(t, route))
    notice = asker_notice(t, current, to, asker=False)
    return [Reply(done + (" " + notice if notice else "")), *delivered, *to_them]


@REGISTRY.command(
    "erledigt", aliases=("close",), params=(Param("number", parse_number),), roles=STEWARDS
)
def erledigt(ctx: Context, number: int) -> list[Reply]:
    """A question that needs no answer here (settled by phone, asked twice, out of scope)
    leaves the open list and the reminders; the asker is told, so nobody waits in vain."""
    t = ctx.t
    question = service.close_question(ctx.uow, ctx.person, number, ctx.now)
    if isinstance(question, str):
        return [Reply(refusal(ctx, question, number))]
    theirs = asker_translator(ctx, question)
    news = theirs("question.closed_for_asker", id=question.id, by=ctx.person.display_name)
    to_them, _ = to_asker(ctx, question, news)
    return [Reply(t("question.closed", id=question.id)), *to_them]


@REGISTRY.command(
    "offen",
    aliases=("open",),
    roles=STEWARDS,
    also=lambda ctx, args: is_plan_contact(ctx.store, ctx.person),
)
def offen(ctx: Context) -> list[Reply]:
    """A role's open questions, and those that went to the person as a plan owner."""
    t, role = ctx.t, ctx.person.role
    steward = role in STEWARDS
    targets = None if role == "admin" else (role, "both")
    questions = ctx.store.open_questions(targets) if steward else []
    listed = {question.id for question in questions}
    owned = owned_open_questions(ctx.store, ctx.person)
    questions = sorted(questions + [q for q in owned if q.id not in listed], key=lambda q: q.id)
    if not questions:
        return ctx.privately([Reply(t("question.none_open"))])
    now = datetime.fromisoformat(ctx.now)
    lines = [t("question.open_header", count=len(questions)), ""]
    for question in questions[:MAX_LISTED]:
        overdue = is_overdue(ctx.settings, question, now)
        lines.append(
            t(
                "question.open_line",
                id=question.id,
                summary=render.summary(question.text, 70),
                asker=asker_label(t, question),
                roles=target_name(t, question.target or "both"),
                since=local_time(ctx.settings, question.routed_at or question.created_at),
                overdue=t("question.overdue") if overdue else "",
            )
        )
    if len(questions) > MAX_LISTED:
        lines.append(t("question.more", count=len(questions) - MAX_LISTED))
    lines += ["", t("question.how_to_answer_any" if steward else "question.how_to_answer_owner")]
    return ctx.privately([Reply("\n".join(lines))])


@REGISTRY.command("meine-fragen", aliases=("my-questions",))
def meine_fragen(ctx: Context) -> list[Reply]:
    t = ctx.t
    questions = ctx.store.questions_of(ctx.person.id, MAX_LISTED)
    if not questions:
        return ctx.privately([Reply(t("question.none_mine"))])
    lines = [t("question.mine_header"), ""]
    for question in questions:
        lines.append(
            t(
                "question.mine_line",
                id=question.id,
                summary=render.summary(question.text, 70),
                state=state(ctx, question),
            )
        )
    return ctx.privately([Reply("\n".join(lines))])


def state(ctx: Context, question: Question) -> str:
    t = ctx.t
    if question.awaits_feedback:
        return t("question.state_offered", id=question.id)
    if question.status == "beantwortet":
        answer = ctx.store.latest_answer(question.id)
        if answer is not None:
            responder = answer.responder_name or t("idea.unknown_author")
            summary = render.summary(answer.text, 120)
            return t("question.state_answered", responder=responder, answer=summary)
    if question.status != "offen":
        offered = question.offered_answer_id
        helped = ctx.store.get_answer(offered) if offered is not None else None
        if helped is not None:  # trial 22: the earlier answer that helped was not shown
            responder = helped.responder_name or t("idea.unknown_author")
            summary = render.summary(helped.text, 120)
            return t("question.state_answered", responder=responder, answer=summary)
        return t("question.state_closed")
    since = local_time(ctx.settings, question.routed_at or question.created_at)
    return t("question.state_open", roles=target_name(t, question.target or "both"), since=since)


@REGISTRY.command(
    "geholfen",
    aliases=("helped",),
    params=(Param("verdict", parse_verdict), Param("number", parse_number)),
)
def geholfen(ctx: Context, verdict: bool, number: int) -> list[Reply]:
    judged = service.judge_offer(
        ctx.uow, ctx.settings, ctx.questions, ctx.person, number, verdict, ctx.now
    )
    if isinstance(judged, str):
        return [Reply(ctx.t(f"question.{judged}", id=number))]
    return routed_replies(ctx, judged, passed_on=True)
