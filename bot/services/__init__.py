"""The service layer: each use case one function, plain values and ports in, plain values out.

Chat handlers, the CLI and the adapters call the same functions, so a rule (who may support,
answer or close what) holds on every way in. A use case that writes takes the open unit of
work (``bot.uow``), reaches the store through its aggregate's repository (``uow.ideas``,
``uow.people``, ...) and records a domain event where an in-memory copy depends on it; the
copies learn of it after the commit, never from here. One module per aggregate: ``ideas``,
``people``, ``questions``, ``plans``, ``privacy``, ``imports``, ``web`` (the Lagebild's login
links) and ``digests`` (what the weekly digest covered and sent).

The names below were this module's before it became a package; the command line still
imports them from here. New callers import from the aggregate's module. The question
services are not among them: they load the router and the plans' matching, which
``ideenlotse export`` has no use for.
"""

from bot.services.ideas import change_status, merge_ideas, post_idea, similar_ideas
from bot.services.imports import IMPORT_PLATFORM, ImportReport, import_rows
from bot.services.people import (
    MAX_INTEREST_LENGTH,
    MAX_INTERESTS,
    set_interests,
    set_matching,
    split_topics,
)
from bot.services.privacy import (
    PLATFORMS,
    erase_person,
    export_all_data,
    export_ideas,
    identities,
)

__all__ = [
    "IMPORT_PLATFORM",
    "MAX_INTERESTS",
    "MAX_INTEREST_LENGTH",
    "PLATFORMS",
    "ImportReport",
    "change_status",
    "erase_person",
    "export_all_data",
    "export_ideas",
    "identities",
    "import_rows",
    "merge_ideas",
    "post_idea",
    "set_interests",
    "set_matching",
    "similar_ideas",
    "split_topics",
]
