"""Questions: ask, reuse an earlier answer, answer, re-route, and see what is open.

The order matters and is the same on every path: store first, then offer what is known,
then route and deliver. An answer goes back where the question was asked (its thread, or a
direct message) and stays as knowledge for the next person who asks the same.
"""

from __future__ import annotations

from datetime import datetime

from bot import render
from bot.commands import REGISTRY, STEWARDS, ArgumentError, Param, parse_number
from bot.context import Context
from bot.domain_events import QuestionRerouted
from bot.events import Button, Reply
from bot.i18n import Translator
from bot.plans_questions import route_question, tell_owner
from bot.questions import (
    MAX_LISTED,
    Offer,
    asker_label,
    asker_notice,
    deliver,
    in_remit,
    is_overdue,
    local_time,
    quote,
    target_name,
)
from bot.render import typed
from knowledge.folding import fold
from knowledge.questions import NewQuestion, Question
from matching.vectors import to_blob

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


def ask_question(ctx: Context, text: str) -> list[Reply]:
    """Store the question, offer an earlier answer if one fits, else route it."""
    message, desk = ctx.message, ctx.questions
    question = ctx.store.add_question(
        NewQuestion(
            text=text.strip(),
            asker_id=ctx.person.id,
            platform=message.platform,
            room=message.room,
            thread=message.thread_id or message.event_id,
            event_id=message.event_id,
            asked_directly=message.is_direct,
        ),
        ctx.now,
    )
    ctx.store.audit(
        "question.asked", ctx.now, actor_id=ctx.person.id, subject_type="question",
        subject_id=question.id,
    )  # fmt: skip
    vector = desk.encode(question.text)
    if vector is not None and desk.encoder is not None:
        ctx.store.set_question_embedding(question.id, to_blob(vector), desk.encoder.name)
        offer = desk.find_earlier(ctx.store, question.text, vector, ctx.person.id)
        if offer is not None:
            answer_id = offer.answer.answer.id if offer.answer else None
            idea_id = offer.idea.idea.id if offer.idea else None
            ctx.store.offer_answer(question.id, ctx.now, answer_id=answer_id, idea_id=idea_id)
            return [offer_reply(ctx.t, question, offer)]
    return route_and_deliver(ctx, question)


def offer_reply(t: Translator, question: Question, offer: Offer) -> Reply:
    lines = [t("question.saved", id=question.id)]
    if offer.answer is not None:
        known = offer.answer
        responder = known.answer.responder_name or t("idea.unknown_author")
        lines.append(t("question.offer_answer", other=known.question_id, responder=responder))
        lines.append(quote(known.answer.text))
    elif offer.idea is not None:
        lines.append(t("question.offer_idea"))
        lines.append("• " + render.idea_line(t, offer.idea.idea))
    lines += ["", t("question.did_it_help", id=question.id)]
    buttons = (
        Button(
            t("question.button_helped"), typed(t, "geholfen", t("word.yes"), question.id), "primary"
        ),
        Button(t("question.button_not_helped"), typed(t, "geholfen", t("word.no"), question.id)),
    )
    return Reply("\n".join(lines), buttons=buttons)


def route_and_deliver(ctx: Context, question: Question, *, passed_on: bool = False) -> list[Reply]:
    """Route, deliver and tell the asker where it went; ``passed_on``: the question was saved
    before (an earlier answer was offered and did not help), so it is not "saved" again."""
    t = ctx.t
    # the router's role, and the owner of a system or project the question is about
    route, reason, owner = route_question(ctx.store, ctx.settings, ctx.questions, question, ctx.now)
    ctx.store.route_question(question.id, route.target, route.confidence, reason, ctx.now)
    ctx.store.audit(
        "question.routed", ctx.now, actor_id=ctx.person.id, subject_type="question",
        subject_id=question.id, detail=route.target,
    )  # fmt: skip
    current = ctx.store.get_question(question.id)
    assert current is not None
    delivered, to = deliver(ctx.store, ctx.settings, current)
    delivered += tell_owner(ctx.store, ctx.settings, current, owner)
    key = "question.not_helped" if passed_on else "question.routed"
    text = t(key, id=question.id, roles=target_name(t, route.target))
    text += " " + (owner.reason(t) if owner else render.route_reason(t, route))
    notice = asker_notice(t, current, to)
    parts = [text, notice or t("question.answer_comes_here")]
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


def asker_translator(ctx: Context, question: Question) -> Translator:
    return ctx.settings.translator(question.asker_language)


def steward_question(ctx: Context, number: int, *, open_only: bool) -> Question | Reply:
    """The question a steward acts on, or why they cannot: unknown, another role's, or
    (``open_only``) no longer open."""
    question = ctx.store.get_question(number)
    if question is None:
        return Reply(ctx.t("question.not_found", id=number))
    if not in_remit(ctx.person.role, question):
        return Reply(ctx.t("question.not_in_remit", id=number))
    if open_only and not question.is_open:
        return Reply(ctx.t("question.not_open", id=number))
    return question


@REGISTRY.command(
    "antwort",
    aliases=("answer",),
    params=(Param("number", parse_number), Param("text", rest=True)),
    roles=STEWARDS,
)
def antwort(ctx: Context, number: int, text: str) -> list[Reply]:
    t = ctx.t
    question = steward_question(ctx, number, open_only=False)
    if isinstance(question, Reply):
        return [question]
    before = question.status
    answer = ctx.store.add_answer(question.id, ctx.person.id, text.strip(), ctx.now)
    ctx.store.audit(
        "question.answered", ctx.now, actor_id=ctx.person.id, subject_type="question",
        subject_id=question.id,
    )  # fmt: skip
    theirs = asker_translator(ctx, question)
    message = "\n".join(
        [
            theirs("question.answer_for_asker", id=question.id, responder=ctx.person.display_name),
            quote(answer.text),
            theirs("question.your_question", summary=render.summary(question.text)),
        ]
    )
    replies, delivered = to_asker(ctx, question, message)
    key = "question.answer_added" if before == "beantwortet" else "question.answer_saved"
    confirmation = t(key, id=question.id, asker=question.asker_name or t("idea.unknown_author"))
    if not delivered:
        confirmation += " " + t("question.asker_elsewhere")
    return [Reply(confirmation), *replies]


@REGISTRY.command(
    "weiterleiten",
    aliases=("reroute",),
    params=(Param("number", parse_number), Param("route", parse_target)),
    roles=STEWARDS,
)
def weiterleiten(ctx: Context, number: int, route: str) -> list[Reply]:
    t = ctx.t
    question = steward_question(ctx, number, open_only=True)
    if isinstance(question, Reply):
        return [question]
    if question.target == route and question.routed_at is not None:
        return [Reply(t("question.same_target", id=number, roles=target_name(t, route)))]
    ctx.store.add_reroute(question.id, ctx.person.id, question.target, route, ctx.now)
    reason = t("question.rerouted_reason", by=ctx.person.display_name)
    ctx.store.route_question(question.id, route, 1.0, reason, ctx.now)
    ctx.store.audit(
        "question.rerouted", ctx.now, actor_id=ctx.person.id, subject_type="question",
        subject_id=question.id, detail=f"{question.target}->{route}",
    )  # fmt: skip
    current = ctx.store.get_question(question.id)
    assert current is not None
    delivered, to = deliver(ctx.store, ctx.settings, current, by=ctx.person.display_name)
    theirs = asker_translator(ctx, question)
    news = theirs("question.rerouted_for_asker", id=question.id, roles=target_name(theirs, route))
    to_them, _ = to_asker(ctx, question, news)
    done = t("question.rerouted", id=question.id, roles=target_name(t, route))
    notice = asker_notice(t, current, to)
    ctx.record(QuestionRerouted(question.id, question.text, route))  # learnt once committed
    return [Reply(done + (" " + notice if notice else "")), *delivered, *to_them]


@REGISTRY.command(
    "erledigt", aliases=("close",), params=(Param("number", parse_number),), roles=STEWARDS
)
def erledigt(ctx: Context, number: int) -> list[Reply]:
    """A question that needs no answer here (settled by phone, asked twice, out of scope)
    leaves the open list and the reminders; the asker is told, so nobody waits in vain."""
    t = ctx.t
    question = steward_question(ctx, number, open_only=True)
    if isinstance(question, Reply):
        return [question]
    ctx.store.close_question(question.id, ctx.now)
    ctx.store.audit(
        "question.closed", ctx.now, actor_id=ctx.person.id, subject_type="question",
        subject_id=question.id,
    )  # fmt: skip
    theirs = asker_translator(ctx, question)
    news = theirs("question.closed_for_asker", id=question.id, by=ctx.person.display_name)
    to_them, _ = to_asker(ctx, question, news)
    return [Reply(t("question.closed", id=question.id)), *to_them]


@REGISTRY.command("offen", aliases=("open",), roles=STEWARDS)
def offen(ctx: Context) -> list[Reply]:
    t, role = ctx.t, ctx.person.role
    targets = None if role == "admin" else (role, "both")
    questions = ctx.store.open_questions(targets)
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
    lines += ["", t("question.how_to_answer_any")]
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
        return t("question.state_closed")
    since = local_time(ctx.settings, question.routed_at or question.created_at)
    return t("question.state_open", roles=target_name(t, question.target or "both"), since=since)


@REGISTRY.command(
    "geholfen",
    aliases=("helped",),
    params=(Param("verdict", parse_verdict), Param("number", parse_number)),
)
def geholfen(ctx: Context, verdict: bool, number: int) -> list[Reply]:
    t = ctx.t
    question = ctx.store.get_question(number)
    if question is None or question.asker_id != ctx.person.id:
        return [Reply(t("question.not_yours", id=number))]
    if not question.awaits_feedback:
        key = "question.already_routed" if question.is_open else "question.already_done"
        return [Reply(t(key, id=number))]
    action = "question.reused" if verdict else "question.not_reused"
    ctx.store.audit(
        action, ctx.now, actor_id=ctx.person.id, subject_type="question", subject_id=number
    )
    if verdict:
        ctx.store.close_question(question.id, ctx.now)
        return [Reply(t("question.helped", id=number))]
    return route_and_deliver(ctx, question, passed_on=True)
