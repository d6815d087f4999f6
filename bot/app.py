"""Putting the parts together: store, model, matcher, router and bot, for CLI and adapters.

``bootstrap`` is the one place that composes the app; the CLI (through ``build_app``), the
adapters, the tests and the benches get their ``App`` from it, and give it only what they
replace (a test database's store, the fast fake encoder, a fake clock).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot import retention
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.core import Bot
from bot.delivery import Outbox
from bot.digest import Digest
from bot.digest_build import digest_for
from bot.digest_preview import SWEEP_EVERY, resume_previews
from bot.events import Reply
from bot.plans_notices import due_owner_notices
from bot.questions import QuestionDesk, due_reminders
from bot.schedule import due_digest
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.store import Store
from matching import light, reasons
from matching.e5_build import BUILD_INFO
from matching.encoder import (
    BUILT_MODELS,
    DEFAULT_MODEL,
    Encoder,
    ModelInfo,
    SentenceEncoder,
    default_prefix,
    fast_encoder,
    provision_model,
)
from matching.engine import reference_ideas
from matching.graph_runtime import ensure_graph
from matching.kept import encode_kept
from matching.relevance import Thresholds
from matching.routing import Router
from matching.routing_learnt import FILE_NAME as LEARNT_ROUTER
from matching.sized_encoder import SizedEncoder

log = logging.getLogger(__name__)

# From this much text on (characters, all texts together), loading the full model pays off:
# its batches encode long texts faster than the light model. Measured while choosing: 1,000
# short questions routed in 17-19 s light against 24 s full (bench/startup.py has the light
# figure); posts of about 140 tokens break even at about 400.
LIGHT_UP_TO = 200_000


def model_cache(settings: Settings) -> Path:
    return settings.data_dir / "models"


def provide_model(settings: Settings, *, progress: bool = False) -> ModelInfo:
    """The configured model as a local folder, built or fetched on first use; the lemma
    dictionary of the reasons is kept in it too (``matching.reasons``).

    A folder built just now is prepared at once (``prepare_model_folder``): otherwise the
    first question after, say, a plan import as the first command fitted the router on its
    seed questions while the person waited (trial 7: 31 s)."""
    name = settings.model or DEFAULT_MODEL
    built = model_cache(settings) / name / BUILD_INFO
    fresh = name in BUILT_MODELS and not built.exists()
    if fresh and progress:  # trial 11: a first 'plan import' said nothing for 52 s
        print(f"ideenlotse: preparing the model {name} once (about a minute) ...", file=sys.stderr)
    info = provision_model(settings.model, model_cache(settings), progress=progress)
    reasons.keep_dictionary_in(Path(info.path) / "lemmas")
    if fresh and built.exists():
        if not light.verified(info):  # one-shot commands load it, not the whole graph
            light.verify(SentenceEncoder(info), info)
        prepare_model_folder(fast_encoder(info))
    return info


def one_shot_encoder(
    settings: Settings, texts: Sequence[str] = (), *, progress: bool = False
) -> Encoder:
    """The encoder for a command that encodes ``texts`` and exits.

    The light model (``matching.light``: no torch, about a second to load) once it was
    checked against the full model for this folder, unless the texts are so many and long
    that the full model's batches win. Where the full model is loaded and the light one not
    yet checked, it is checked now, for the next command.
    """
    info = provide_model(settings, progress=progress)
    if sum(len(text) for text in texts) < LIGHT_UP_TO:
        fast = light.load_light(info, default_prefix(info))
        if fast is not None:
            return SizedEncoder(fast)  # many texts after all (seeds, examples): the graph
    full = fast_encoder(info)  # OpenVINO where it was checked, else sentence-transformers
    if isinstance(full, SentenceEncoder) and not light.verified(info):
        light.verify(full, info)
    return full


@dataclass
class App:
    store: Store
    matcher: SemanticMatcher
    bot: Bot
    outbox: Outbox = field(default_factory=Outbox)  # `running` is set by `ideenlotse run`
    _next_sweep: datetime | None = field(default=None, init=False, repr=False)

    def due(self, now: datetime | None = None) -> list[Reply]:
        """Put the scheduled replies due now (question reminders, the weekly digest) into the
        outbox, each in the transaction that records it as made, and run the data-protection
        jobs; returns what it queued.

        Adapters call this periodically (the console after every message), then send what the
        outbox holds for their platform (``bot.delivery``): each reply comes exactly once, and
        a digest counts as sent once it was delivered.
        """
        moment = now or self.bot.clock()
        settings = self.bot.settings
        queued = due_reminders(self.store, settings, moment, outbox=self.outbox)
        queued += due_digest(self.store, settings, moment, self.digest, outbox=self.outbox)
        queued += due_owner_notices(self.store, settings, moment, outbox=self.outbox)
        queued += self._resume_previews(moment)
        retention.run_due(self.store, settings, self.bot.bus, moment)  # says nothing
        return queued

    def _resume_previews(self, moment: datetime) -> list[Reply]:
        """The ``!digest`` previews a crash left open (``bot.digest_preview``): looked for at
        the first call and every few minutes, not on every poll (it reads the audit log)."""
        if self._next_sweep is not None and moment < self._next_sweep:
            return []
        self._next_sweep = moment + SWEEP_EVERY
        bot = self.bot
        return resume_previews(self.store, bot.settings, self.matcher, bot.follow_ups, moment)

    def warm_up(self) -> None:
        """Do before serving what the first message would wait for: tracing the encoder,
        and what ``prepare_model_folder`` keeps."""
        self.matcher.encoder.encode(["Ideenlotse ist bereit."])
        prepare_model_folder(self.matcher.encoder)

    def digest(self, now: datetime, days: int | None = None) -> Digest:
        """The synergy digest of the ``days`` before ``now`` (default: the configured period)."""
        return digest_for(self.store, self.bot.settings, now, self.matcher, days=days)

    def close(self) -> None:
        self.store.close()


def prepare_model_folder(encoder: Encoder) -> None:
    """Compute and keep in the model folder what every process would otherwise compute at
    start (``matching.kept``, the lemma trie of ``matching.reasons``): ``ideenlotse model``
    does it, so that even a read-only folder (the container's) has it."""
    Router(encoder).prepare()
    encode_kept(encoder, reference_ideas())
    reasons.lemma("Ideen")


def build_router(encoder: Encoder, store: Store, data_dir: Path | None = None) -> Router:
    """A router that has learnt every re-routing stored so far.

    The seed set and the re-routings are fitted on the first question, so commands that
    never route do not pay for it; the refit on the re-routings is kept in ``data_dir``
    (``matching.routing_learnt``) for the next process.
    """
    router = Router(encoder, learnt_at=data_dir / LEARNT_ROUTER if data_dir else None)
    with store.transaction():
        examples = store.reroute_examples()
    for text, target in examples:
        router.add_example(text, target)
    router.drop_stale_learnt()
    if examples:
        log.info("routing: replayed %d re-routings", len(examples))
    return router


def build_search(settings: Settings, texts: Sequence[str]) -> tuple[Store, SemanticMatcher]:
    """Store and similarity index for one-shot searches of ``texts`` (``ideenlotse
    similar``)."""
    encoder = one_shot_encoder(settings, texts)
    store = open_store(settings.data_dir)
    try:
        matcher = SemanticMatcher(encoder, settings.language)
        matcher.load(store)
    except BaseException:
        store.close()
        raise
    return store, matcher


def bootstrap(
    settings: Settings,
    *,
    store: Store | None = None,
    encoder: Encoder | None = None,
    clock: Clock | None = None,
    thresholds: Thresholds | None = None,
    progress: bool = False,
) -> App:
    """Compose the app: the store, the model, the similarity index (loaded, encoding what is
    missing), the router with the stored re-routings, the question desk and the bot, whose
    unit of work tells the index, the profiles and the router what was committed.

    What is given is used as it is: ``store`` stays the caller's (also when composing fails;
    one opened here is closed then), ``encoder`` replaces the configured model, ``clock`` the
    wall clock, ``thresholds`` the model's calibrated ones (a fake encoder needs its own).
    """
    opened = store if store is not None else open_store(settings.data_dir)
    try:
        if encoder is None:
            info = provide_model(settings, progress=progress)
            ensure_graph(Path(info.path))  # made once where missing (an update, say)
            encoder = fast_encoder(info)  # OpenVINO where checked: no torch at all
            if isinstance(encoder, SentenceEncoder) and not light.verified(info):
                light.verify(encoder, info)  # so that one-shot commands answer sooner
        matcher = SemanticMatcher(
            encoder, settings.language, clock=clock or utcnow, thresholds=thresholds
        )
        matcher.load(opened, progress=progress)
        reuse = thresholds.answer_reuse if thresholds is not None else None
        router = build_router(encoder, opened, settings.data_dir)
        desk = QuestionDesk(encoder=encoder, router=router, ideas=matcher, reuse_threshold=reuse)
    except BaseException:
        if store is None:
            opened.close()
        raise
    bot = Bot(opened, settings, matcher=matcher, questions=desk, clock=clock or utcnow)
    return App(opened, matcher, bot)


def build_app(settings: Settings, *, progress: bool = False, encoder: Encoder | None = None) -> App:
    """The app as the command line starts it (``bootstrap`` with the configured model)."""
    return bootstrap(settings, encoder=encoder, progress=progress)
