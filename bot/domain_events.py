"""What happened, told after the unit of work committed, to whoever keeps its own copy.

Handlers record these on the context; the core hands them to subscribers only once the
transaction is on disk, so nobody acts on a change that was rolled back. Adapters subscribe
for what they store outside the database (files in the console's outbox, the Matrix state).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonErased:
    platform: str
    user_id: str
