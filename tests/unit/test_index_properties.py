"""Property: whatever the chat does, the matcher's memory equals a fresh load of the store.

Random sequences of use cases (post, support, status, merge, "not similar", interests,
matching on and off, erase a person, time passing with the retention job, `!wer`) run
through the real ``Bot`` on SQLite on disk with the fast hashing encoder. Afterwards the
running matcher's index and people profiles must equal those of a matcher loaded afresh
from the store: nothing kept in memory may drift from the committed facts, which is what
the unit of work's events (``bot.uow``) promise. Derandomized, so every run tries the same
sequences; no timing is asserted.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import retention
from bot.config import PrivacySettings, Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.store import Store
from tests.conftest import FakeClock
from tests.fakes import SAMPLE, HashingEncoder, hashing_thresholds

PEOPLE = ("anna", "bob", "carla")
STEWARD = "cdo"
TOPICS = ("E-Rechnung", "WLAN", "Open Data", "Homeoffice", "keine")
STATUSES = ("neu", "in Prüfung", "in Umsetzung", "umgesetzt", "abgelehnt")
ENCODER = HashingEncoder()  # stateless apart from a call count: shared, so tests stay fast

person = st.sampled_from(PEOPLE)
number = st.integers(min_value=1, max_value=6)
use_case = st.one_of(
    st.tuples(st.just("idea"), person, st.sampled_from(SAMPLE[:5])),
    st.tuples(st.just("support"), person, number),
    st.tuples(st.just("status"), number, st.sampled_from(STATUSES)),
    st.tuples(st.just("merge"), number, number),
    st.tuples(st.just("not_similar"), number, number),
    st.tuples(st.just("interests"), person, st.sampled_from(TOPICS)),
    st.tuples(st.just("matching"), person, st.booleans()),
    st.tuples(st.just("erase"), person),
    st.tuples(st.just("days_pass"), st.integers(min_value=1, max_value=40)),
    st.tuples(st.just("who"), person, st.sampled_from(TOPICS[:4])),
)


class World:
    def __init__(self, data: Path):
        self.store = open_store(data)
        self.clock = FakeClock()
        self.matcher = SemanticMatcher(ENCODER, clock=self.clock, thresholds=hashing_thresholds())
        self.matcher.load(self.store)
        self.settings = Settings(
            data_dir=data,
            roles={"cdo": STEWARD},
            messages_per_minute=100_000,
            privacy=PrivacySettings(retention_days=60, event_days=30),
        )
        self.bot = Bot(self.store, self.settings, matcher=self.matcher, clock=self.clock)
        self.events = itertools.count(1)

    def set_up(self) -> None:
        """Everybody opted in, with a topic and an idea, and the profiles built: so that each
        use case that follows changes something the matcher holds."""
        for who, topic, text in zip(PEOPLE, TOPICS, SAMPLE, strict=False):
            self.say(who, "!matching an")
            self.say(who, f"!interessen {topic}")
            self.say(who, f"!idee {text}")
        self.say(STEWARD, "!wer E-Rechnung")

    def say(self, who: str, text: str) -> list[Reply]:
        self.clock.advance(minutes=1)
        message = Message("console", f"e{next(self.events)}", Sender(who, who.title()), text)
        return self.bot.handle(message, idea_room=True)

    def run(self, case: tuple[object, ...]) -> None:
        match case:
            case ("idea", who, text):
                self.say(str(who), f"!idee {text}")
            case ("support", who, idea):
                self.say(str(who), f"!unterstuetzen {idea}")
            case ("status", idea, status):
                self.say(STEWARD, f"!status {idea} {status}")
            case ("merge", source, target):
                self.say(STEWARD, f"!zusammenfuehren {source} {target}")
            case ("not_similar", a, b):
                self.say(STEWARD, f"!nicht-aehnlich {a} {b}")
            case ("interests", who, topic):
                self.say(str(who), f"!interessen {topic}")
            case ("matching", who, on):
                self.say(str(who), "!matching an" if on else "!matching aus")
            case ("erase", who):
                asked = "\n".join(r.text for r in self.say(str(who), "!vergiss-mich"))
                code = re.search(r"bestätigen ([A-Z2-9]{6})", asked)
                assert code, asked
                self.say(str(who), f"!vergiss-mich bestätigen {code.group(1)}")
            case ("days_pass", days):
                self.clock.advance(days=int(str(days)))
                retention.run_due(self.store, self.settings, self.bot.bus, self.clock())
            case ("who", who, topic):
                self.say(str(who), f"!wer {topic}")


def memory(matcher: SemanticMatcher, store: Store) -> tuple[object, ...]:
    """What the matcher holds: the indexed ideas and each opted-in person's profile."""
    with store.transaction():
        profiles = matcher._load_profiles(store)
    return (
        sorted(matcher.engine.index.ids.tolist()),
        {pid: (p.topics, sorted(p.idea_ids)) for pid, p in profiles.items()},
    )


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(use_case, min_size=1, max_size=14))
def test_memory_equals_a_fresh_load_after_any_sequence(cases: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder) / "data")
        try:
            world.set_up()
            for case in cases:
                world.run(case)
            fresh = SemanticMatcher(ENCODER, clock=world.clock, thresholds=hashing_thresholds())
            fresh.load(world.store)
            assert memory(world.matcher, world.store) == memory(fresh, world.store)
        finally:
            world.store.close()
