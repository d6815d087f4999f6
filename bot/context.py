"""What a command handler gets: who asked, where, and the ports it may use."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.events import Message
from bot.i18n import Translator
from bot.matcher import Matcher
from bot.questions import QuestionDesk
from knowledge.records import Person
from knowledge.store import Store


@dataclass(frozen=True)
class Context:
    message: Message
    person: Person
    store: Store
    settings: Settings
    t: Translator
    now: str  # ISO 8601, UTC
    matcher: Matcher
    questions: QuestionDesk = field(default_factory=QuestionDesk)
