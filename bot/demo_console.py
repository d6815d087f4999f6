"""``!beispiele`` in the console: the examples of ``bot.demo``, loaded into the running bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.demo import REMOVE_WORDS, Town, is_empty, load_demo, load_town, remove_demo, text
from bot.semantic import SemanticMatcher
from bot.uow import EventBus
from knowledge.store import Store

if TYPE_CHECKING:
    from bot.app import App

CONSOLE_COMMANDS = ("beispiele", "examples")
__all__ = ["CONSOLE_COMMANDS", "ConsoleDemo", "first_start_hint", "is_empty"]


def first_start_hint(language: str) -> str:
    """The first start's line: what the examples are and how they go again."""
    return text(language, "hint", town=load_town().name)


@dataclass
class ConsoleDemo:
    """``!beispiele`` in the console: loads into the running bot's own matcher, so the next
    idea typed already meets the examples (another process's load would be seen only after a
    restart, as the console keeps its similarity index in memory)."""

    store: Store
    matcher: SemanticMatcher
    clock: Clock
    language: str = "de"
    town: Town = field(default_factory=load_town)
    bus: EventBus | None = None  # the bot's: its index and profiles learn of the examples

    @classmethod
    def of(cls, app: App, language: str) -> ConsoleDemo:
        return cls(app.store, app.matcher, app.bot.clock, language, bus=app.bot.bus)

    def __call__(self, args: str) -> str:
        words = args.split()
        if not words:
            loaded = load_demo(self.store, self.matcher, self.clock(), self.town, self.bus)
            if loaded.nothing:
                return self._text("already")
            return self._text(
                "loaded",
                people=len(self.town.people),
                ideas=len(self.town.ideas),
                questions=len(self.town.questions),
            )
        if len(words) == 1 and words[0].casefold() in REMOVE_WORDS:
            removed = remove_demo(self.store, self.bus, self.clock(), self.town)
            if not removed.people:
                return self._text("none")
            return self._text(
                "removed",
                people=removed.people,
                ideas=len(removed.ideas),
                questions=removed.questions,
            )
        return self._text("usage")

    def _text(self, key: str, **values: object) -> str:
        return text(self.language, key, town=self.town.name, **values)
