"""Putting the parts together: store, model, matcher, router and bot, for CLI and adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot import retention
from bot.config import Settings
from bot.core import Bot
from bot.delivery import Outbox
from bot.digest import Digest, digest_for
from bot.events import Reply
from bot.questions import QuestionDesk, due_reminders
from bot.schedule import due_digest
from bot.semantic import SemanticMatcher
from knowledge.store import Store
from matching import light, reasons
from matching.encoder import (
    Encoder,
    ModelInfo,
    SentenceEncoder,
    default_prefix,
    provision_model,
)
from matching.routing import Router

log = logging.getLogger(__name__)

MANY = 64  # texts from which the full model's batches beat the light model (bench/startup.py)


def model_cache(settings: Settings) -> Path:
    return settings.data_dir / "models"


def provide_model(settings: Settings, *, progress: bool = False) -> ModelInfo:
    """The configured model as a local folder, built or fetched on first use; the lemma
    dictionary of the reasons is kept in it too (``matching.reasons``)."""
    info = provision_model(settings.model, model_cache(settings), progress=progress)
    reasons.keep_dictionary_in(Path(info.path) / "lemmas")
    return info


def one_shot_encoder(settings: Settings, texts: int = 1) -> Encoder:
    """The encoder for a command that encodes ``texts`` texts and exits.

    A few texts go through the light model (``matching.light``: no torch, about a second to
    load), once it was checked against the full model for this folder. From MANY texts on,
    the full model's batches are faster, and loading it pays off. Where the full model is
    loaded and the light one not yet checked, it is checked now, for the next command.
    """
    info = provide_model(settings)
    if texts < MANY:
        fast = light.load_light(info, default_prefix(info))
        if fast is not None:
            return fast
    full = SentenceEncoder(info)
    if not light.verified(info):
        light.verify(full, info)
    return full


@dataclass
class App:
    store: Store
    matcher: SemanticMatcher
    bot: Bot
    outbox: Outbox = field(default_factory=Outbox)  # `running` is set by `ideenlotse run`

    def due(self, now: datetime | None = None, *, platform: str | None = None) -> list[Reply]:
        """Scheduled replies due now (question reminders, the weekly digest, ...).

        Adapters call this periodically (the console after every message) and deliver what it
        returns; what is made is recorded as sent, so each reply comes exactly once. An adapter
        passes its ``platform`` so that, with several running, each reply reaches the one that
        knows its recipient (see `bot.delivery`).
        """
        moment = now or self.bot.clock()
        self.outbox.put(due_reminders(self.store, self.bot.settings, moment))
        self.outbox.put(due_digest(self.store, self.bot.settings, moment, self.digest))
        retention.run_due(self.store, self.bot.settings, self.matcher, moment)  # says nothing
        return self.outbox.take(platform)

    def warm_up(self) -> None:
        """Do before serving what the first message would wait for: tracing the encoder,
        fitting the router, opening the lemma dictionary."""
        self.matcher.encoder.encode(["Ideenlotse ist bereit."])
        if self.bot.questions.router is not None:
            self.bot.questions.router.prepare()
        reasons.lemma("Ideen")

    def digest(self, now: datetime, days: int | None = None) -> Digest:
        """The synergy digest of the ``days`` before ``now`` (default: the configured period)."""
        return digest_for(self.store, self.bot.settings, now, self.matcher, days=days)

    def close(self) -> None:
        self.store.close()


def build_router(encoder: Encoder, store: Store) -> Router:
    """A router that has learnt every re-routing stored so far.

    The seed set is fitted lazily on the first question (or here, when there are stored
    re-routings to replay), so commands that never route do not pay for it.
    """
    router = Router(encoder)
    with store.transaction():
        examples = store.reroute_examples()
    for text, target in examples:
        router.add_example(text, target)
    if examples:
        log.info("routing: replayed %d re-routings", len(examples))
    return router


def build_search(settings: Settings, texts: int = 1) -> tuple[Store, SemanticMatcher]:
    """Store and similarity index for one-shot searches of ``texts`` texts (``ideenlotse
    similar``)."""
    encoder = one_shot_encoder(settings, texts)
    store = Store.open(settings.data_dir)
    try:
        matcher = SemanticMatcher(encoder, settings.language)
        matcher.load(store)
    except BaseException:
        store.close()
        raise
    return store, matcher


def build_app(settings: Settings, *, progress: bool = False, encoder: Encoder | None = None) -> App:
    """Open the store, load the model (unless ``encoder`` is given) and the similarity index,
    and make the bot."""
    store = Store.open(settings.data_dir)
    try:
        if encoder is None:
            info = provide_model(settings, progress=progress)
            encoder = SentenceEncoder(info)
            if not light.verified(info):  # so that one-shot commands answer sooner from now on
                light.verify(encoder, info)
        matcher = SemanticMatcher(encoder, settings.language)
        matcher.load(store, progress=progress)
        desk = QuestionDesk(encoder=encoder, router=build_router(encoder, store), ideas=matcher)
    except BaseException:
        store.close()
        raise
    return App(store, matcher, Bot(store, settings, matcher=matcher, questions=desk))
