"""What a command handler gets: who asked, where, and the ports it may use."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.config import Settings
from bot.events import Message, Reply
from bot.followups import FollowUp
from bot.i18n import Translator
from bot.matcher import Matcher
from bot.questions import QuestionDesk
from bot.uow import UnitOfWork
from knowledge.records import Person
from knowledge.store import Store


@dataclass(frozen=True)
class Context:
    message: Message
    person: Person
    uow: UnitOfWork  # the event's transaction: write through ``store``, tell through ``record``
    settings: Settings
    t: Translator
    now: str  # ISO 8601, UTC
    matcher: Matcher
    questions: QuestionDesk = field(default_factory=QuestionDesk)
    follow_ups: list[FollowUp] = field(default_factory=list)  # run by the core after the commit

    @property
    def store(self) -> Store:
        return self.uow.store

    def record(self, event: object) -> None:
        """A domain event (``bot.domain_events``), told to subscribers after the commit."""
        self.uow.record(event)

    def after_commit(self, follow: FollowUp) -> None:
        """Slow work for this event (``bot.followups``): done after the commit, without the
        lock, its replies queued in a transaction of their own."""
        self.follow_ups.append(follow)

    def privately(self, replies: list[Reply]) -> list[Reply]:
        """Lists that are the asker's business (their questions, a role's open questions, the
        digest) go by direct message; in a shared room only a short note says where they went."""
        if self.message.is_direct:
            return replies
        direct = [replace(r, direct_to=self.person.platform_user_id) for r in replies]
        return [Reply(self.t("privacy.sent_privately"), notes_direct=True), *direct]
