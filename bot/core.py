"""The conversation core: one event in, a list of replies out, no I/O of its own.

Cross-cutting checks run here, in one place and in this order: per-person rate limit (before
any database work), length limit, exactly-once (the platform event id is claimed in the same
transaction as the event's effects; a replay is rolled back whole), parsing, role check. The
replies are written to the outbox in that same transaction (``bot.delivery``), so nothing the
bot confirms can be lost by a crash before or while the adapter sends it, and a platform's
retry of the event, skipped as a replay, still finds its reply there.

That transaction is a unit of work (``bot.uow``): the domain events the handlers record on it
go to the subscribers (the matcher's index and profiles, the router, the adapters) only after
it committed; a replay, a busy store or a failing handler rolls them back with everything else.
Work too slow to hold the lock for (the ``!digest`` preview) is a follow-up (``bot.followups``):
the event's transaction records that it was asked for, and after the commit it is built
without the lock and its replies queued in a second transaction, keyed by the event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot import ops, render
from bot.clock import Clock, iso, utcnow
from bot.commands import (
    Command,
    EmptyCommand,
    Invocation,
    NotACommand,
    UnknownCommand,
    UsageError,
)
from bot.config import Settings, reload_roles
from bot.context import Context
from bot.delivery import Origin, queue_answers
from bot.display_names import name_to_store
from bot.events import Action, Message, Reply
from bot.followups import FollowUp, FollowUps
from bot.handlers import REGISTRY
from bot.handlers.ideas import edited_message, share_idea
from bot.handlers.questions import ask_question
from bot.i18n import Translator
from bot.matcher import KeepsCurrent, Matcher, NoMatcher
from bot.ops import Observation
from bot.question_text import about_the_bot, looks_like_question
from bot.questions import QuestionDesk
from bot.ratelimit import RateLimiter
from bot.statuses import status_choices
from bot.uow import EventBus, Subscriber, UnitOfWork
from knowledge.records import Person
from knowledge.store import Store, StoreBusy

log = logging.getLogger(__name__)
BUSY_RETRY_PAUSES = (2.0,)  # seconds between tries, each after the store's own busy timeout


class Replayed(Exception):
    """The event was handled before (a platform retry or replay)."""


@dataclass(frozen=True)
class Handled:
    """The replies to an event. ``queued``: they are in the outbox, committed with the event
    (or its follow-up, ``bot.followups``), and the adapter sends them from there; else (a
    refusal made before any database work, or the store too busy to write) the adapter sends
    them as they are."""

    replies: list[Reply]
    queued: bool
    # the event's slow follow-ups, when the adapter asked to run them itself: it sends the
    # replies first and does not keep the next event waiting (a ``!digest`` takes seconds)
    later: Callable[[], list[Reply]] | None = None


class Bot:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        matcher: Matcher | None = None,
        questions: QuestionDesk | None = None,
        clock: Clock = utcnow,
    ):
        self.store = store
        self.settings = settings
        self.matcher = matcher or NoMatcher()
        self.questions = questions or QuestionDesk()  # without a router: questions go to both
        self.clock = clock
        self.limiter = RateLimiter(settings.messages_per_minute)
        self.bus = EventBus()  # committed domain events, to whoever keeps a copy
        self.follow_ups = FollowUps(store)  # slow work of an event, after its commit
        if isinstance(self.matcher, KeepsCurrent):
            self.bus.subscribe(self.matcher.committed)
        self.bus.subscribe(self.questions.committed)
        self._config_stamp: int | None = None

    def handle(self, event: Message | Action, *, idea_room: bool = False) -> list[Reply]:
        """Answer one platform event. ``idea_room``: plain text there is an idea or a question."""
        return self.process(event, idea_room=idea_room).replies

    def process(
        self, event: Message | Action, *, idea_room: bool = False, defer: bool = False
    ) -> Handled:
        """``handle`` for adapters: the replies, and whether they wait in the outbox;
        ``defer``: follow-ups are returned in ``Handled.later`` instead of run here."""
        with ops.observe(event.platform, event.event_id) as seen:
            handled = self._handle(event, idea_room, seen, defer)
            seen.replies = len(handled.replies)
            return handled

    def _handle(
        self, event: Message | Action, idea_room: bool, seen: Observation, defer: bool
    ) -> Handled:
        self._reload_roles()
        message = event.as_message() if isinstance(event, Action) else event
        refused = self.limiter.refuse(
            message, self.clock(), self.settings.translator(message.sender.language)
        )
        if refused is not None:
            seen.outcome = "refused"
            return Handled(refused, queued=False)
        now, origin = iso(self.clock()), Origin.of(event)
        try:
            replies, later = self._attempt(message, idea_room, now, origin)
        except Replayed:
            log.info("skipped replayed event %s/%s", message.platform, message.event_id)
            seen.outcome = "replayed"
            return Handled([], queued=True)  # what it said the first time waits in the outbox
        except StoreBusy:
            # Nothing was written and the event is not claimed: the user or the platform can
            # send it again and it will be handled then.
            log.warning("store busy, event %s/%s not handled", message.platform, message.event_id)
            seen.outcome = "busy"
            t = self.settings.translator(message.sender.language)
            return Handled([Reply(t("error.busy")).in_thread_of(message)], queued=False)
        except Exception:
            log.exception("failed to handle event %s/%s", message.platform, message.event_id)
            seen.outcome = "error"
            t = self.settings.translator(message.sender.language)
            sorry = Reply(t("error.internal")).in_thread_of(message)
            return Handled([sorry], self._claim_failed(message, now, sorry, origin))
        if defer and later:
            return Handled(replies, True, partial(self._follow_up, later, message, origin))
        return Handled(replies + self._follow_up(later, message, origin), queued=True)

    def _attempt(
        self, message: Message, idea_room: bool, now: str, origin: Origin
    ) -> tuple[list[Reply], list[FollowUp]]:
        """One unit of work for the event; when another process held the write lock for the
        whole busy timeout, one more try after a pause (the lock holder is usually a digest or
        an import batch that ends soon). Returns the replies and the follow-ups to run."""
        for pause in (*BUSY_RETRY_PAUSES, None):
            try:
                with UnitOfWork(self.store, self.bus) as uow:
                    person = self._person(message, now)
                    claimed = self.store.claim_event(
                        message.platform, message.event_id, person.id, now
                    )
                    if not claimed:
                        raise Replayed  # rolls back: a replay changes nothing, not the profile
                    t = self._translator(person, message)
                    ctx = Context(
                        message, person, uow, self.settings, t, now, self.matcher,
                        self.questions,
                    )  # fmt: skip
                    dispatched = self._dispatch(ctx, idea_room or message.is_direct)
                    replies = [reply.in_thread_of(message) for reply in dispatched]
                    queue_answers(self.store, replies, origin, now)
                return replies, ctx.follow_ups  # committed, and the subscribers were told
            except StoreBusy:
                if pause is None:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _follow_up(self, later: list[FollowUp], message: Message, origin: Origin) -> list[Reply]:
        """The event's slow work, now that its transaction committed and the lock is free
        (``bot.followups``). A follow-up that cannot queue its replies (a busy store) stays
        open for its sweep; the event's own replies are committed either way."""
        replies: list[Reply] = []
        for follow in later:
            try:
                replies += self.follow_ups.run(follow, origin, message, iso(self.clock()))
            except Exception:
                log.exception("follow-up %s of event %s not queued", follow.name, message.event_id)
        return replies

    def _reload_roles(self) -> None:
        """SECURITY.md: roles are read from the config file before every message; the file is
        parsed again only when it changed."""
        path = self.settings.config_file
        if path is None:
            return
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            self.settings = reload_roles(self.settings)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Be told of domain events (bot.domain_events) after they are committed."""
        self.bus.subscribe(subscriber)

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work whose events reach this bot's subscribers: for use cases run
        outside a chat event (the scheduled jobs, the console's examples)."""
        return UnitOfWork(self.store, self.bus)

    def _person(self, message: Message, now: str) -> Person:
        sender = message.sender
        # The config decides (a console operator may claim a role nobody holds); everybody
        # else is staff, so a person removed from the config loses the rights at once.
        role = self.settings.role_for(sender.user_id, sender.role) or "staff"
        name = sender.display_name or sender.user_id
        return self.store.upsert_person(
            message.platform,
            sender.user_id,
            name_to_store(self.store, message.platform, sender.user_id, name),
            now,
            department=sender.department,
            role=role,
        )

    def _translator(self, person: Person, message: Message) -> Translator:
        return self.settings.translator(person.language or message.sender.language)

    def _claim_failed(self, message: Message, now: str, sorry: Reply, origin: Origin) -> bool:
        """A failing event is claimed on its own, so a platform retry does not fail again, with
        its apology in the outbox; False when that could not be written either."""
        try:
            with self.store.transaction():
                if self.store.claim_event(message.platform, message.event_id, None, now):
                    queue_answers(self.store, [sorry], origin, now)
            return True
        except Exception:
            log.exception("could not record failed event %s", message.event_id)
            return False

    def _dispatch(self, ctx: Context, idea_room: bool) -> list[Reply]:
        t, text = ctx.t, ctx.message.text
        if len(text) > self.settings.max_text_length:
            return [Reply(t("error.too_long", length=len(text), max=self.settings.max_text_length))]
        if ctx.message.replaces is not None:  # an edit of an earlier message
            return edited_message(ctx, ctx.message.replaces)
        parsed = REGISTRY.parse(text, self.settings.command_prefix)
        match parsed:
            case NotACommand():
                if idea_room and text.strip():
                    if about_the_bot(text):  # a greeting, or "wie funktioniert das hier?"
                        return [Reply(t("help.greeting"))]
                    if looks_like_question(text):
                        return ask_question(ctx, text, guessed=True)
                    return share_idea(ctx, text)
                return []
            case EmptyCommand():
                return [Reply(t("error.empty_command"))]
            case UnknownCommand(name=name, suggestion=suggestion):
                answer = t("error.unknown_command", name=name)
                if suggestion:
                    named = render.typed(t, suggestion.name)
                    answer += " " + t("error.did_you_mean", suggestion=named)
                return [Reply(answer + " " + t("error.help_hint"))]
            case UsageError(command=command) if command.also is None and not allowed(
                command, ctx, {}
            ):  # trial 12: "!status 5 erledigt" taught a clerk the statuses they may not set
                return [self._refusal(t, ctx, command)]
            case UsageError() as error:
                return [Reply(self._usage_error(t, error))]
            case Invocation(command=command, args=args):
                if not allowed(command, ctx, args):
                    own = command.refused(ctx, args) if command.refused else None
                    return [Reply(own) if own else self._refusal(t, ctx, command)]
                replies: list[Reply] = command.handler(ctx, **args)
                return replies
        return []

    def _refusal(self, t: Translator, ctx: Context, command: Command) -> Reply:
        log.info("refused %s for role %s", command.name, ctx.person.role)
        roles = render.roles_phrase(t, command.roles or frozenset())
        if command.also is not None:  # trial 15: `!hilfe` named the contacts, this did not
            roles = t("error.roles_and_contacts", roles=roles)
        return Reply(t("error.forbidden", name=render.command_name(t, command), roles=roles))

    def _usage_error(self, t: Translator, error: UsageError) -> str:
        values = dict(error.values)
        if "param" in values:
            values["param"] = t(f"param.{values['param']}")
        missing_key = f"cmd.{error.command.name}.missing"
        if error.key == "error.missing_argument" and t.has(missing_key):
            return t(missing_key)
        if error.key == "status.unknown":
            values["choices"] = status_choices(t)
        usage = render.usage(t, error.command)
        return t(error.key, **values) + " " + t("error.usage", usage=usage)


def allowed(command: Command, ctx: Context, args: dict[str, Any]) -> bool:
    """The person holds one of the command's roles, or is someone it allows as well."""
    if command.roles is None or ctx.person.role in command.roles:
        return True
    return command.also is not None and command.also(ctx, args)
