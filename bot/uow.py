"""The unit of work: one store transaction and the domain events its use cases recorded.

As in cosmicpython's ``AbstractUnitOfWork``: a context manager that commits when the block
ends and rolls back on any error. Here it also carries the events (``bot.domain_events``);
after the commit it hands them to the subscribers of its ``EventBus``, and on a rollback
they are dropped, so an in-memory copy (the similarity index, the people profiles, the
router) never learns of a change that did not happen.

A unit of work is not nested: use cases get the one that is open (``Context.uow``), and
one opened inside another's transaction would publish before the outer commit.

Services reach the store through the aggregate they change (``uow.ideas``, ``uow.people``,
``uow.questions``, ``uow.plans``, ``uow.logins``, ``uow.digests``, ``uow.audit``): the same
store each time, typed by the small protocol of ``knowledge.repositories``, so mypy shows
which tables a use case can touch. ``uow.store`` stays for the core (claiming the event,
the outbox) and for helpers that still take the whole store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

from knowledge.repositories import (
    AuditLog,
    DigestRepository,
    IdeaRepository,
    PeopleRepository,
    PlanRepository,
    QuestionRepository,
    WebLoginRepository,
)
from knowledge.store import Store

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

Subscriber = Callable[[object], None]


class EventBus:
    """Who is told of committed events, in the order they subscribed."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, events: Sequence[object]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                try:
                    subscriber(event)
                except Exception:  # one failing subscriber must not stop the others
                    log.exception("subscriber failed on %s", type(event).__name__)


class UnitOfWork:
    """``with UnitOfWork(store, bus) as uow: ...; uow.record(event)``."""

    def __init__(self, store: Store, bus: EventBus | None = None):
        self.store = store
        self.ideas: IdeaRepository = store
        self.people: PeopleRepository = store
        self.questions: QuestionRepository = store
        self.plans: PlanRepository = store
        self.logins: WebLoginRepository = store
        self.digests: DigestRepository = store
        self.audit: AuditLog = store
        self.bus = bus
        self.events: list[object] = []
        self._stack: ExitStack | None = None

    def record(self, event: object) -> None:
        """Tell the subscribers of ``event`` once (and only if) this unit of work commits."""
        self.events.append(event)

    def __enter__(self) -> UnitOfWork:
        stack = ExitStack()
        stack.enter_context(self.store.transaction())
        self._stack, self.events = stack, []
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        events, self.events = self.events, []
        assert stack is not None, "exit without enter"
        stack.__exit__(kind, error, trace)  # commits, or rolls back and the error goes on
        if kind is None and self.bus is not None:
            self.bus.publish(events)


def in_unit(service: Callable[Concatenate[UnitOfWork, P], T]) -> Callable[Concatenate[Store, P], T]:
    """A service as a function of the store, one unit of work around each call: for callers
    that hand the call to a worker thread (the Lagebild's server)."""

    def run(store: Store, *args: P.args, **kwargs: P.kwargs) -> T:
        with UnitOfWork(store) as uow:
            return service(uow, *args, **kwargs)

    return run
