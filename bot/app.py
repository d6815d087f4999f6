"""Putting the parts together: store, model, matcher and bot, for the CLI and the adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core import Bot
from bot.semantic import SemanticMatcher
from knowledge.store import Store
from matching.encoder import ModelInfo, SentenceEncoder, provision_model

log = logging.getLogger(__name__)


def model_cache(settings: Settings) -> Path:
    return settings.data_dir / "models"


def provide_model(settings: Settings, *, progress: bool = False) -> ModelInfo:
    """The configured model as a local folder, built or fetched on first use."""
    return provision_model(settings.model, model_cache(settings), progress=progress)


@dataclass
class App:
    store: Store
    matcher: SemanticMatcher
    bot: Bot

    def close(self) -> None:
        self.store.close()


def build_app(settings: Settings, *, progress: bool = False) -> App:
    """Open the store, load the model and the similarity index, and make the bot."""
    store = Store.open(settings.data_dir)
    try:
        encoder = SentenceEncoder(provide_model(settings, progress=progress))
        matcher = SemanticMatcher(encoder, settings.language)
        matcher.load(store, progress=progress)
    except BaseException:
        store.close()
        raise
    return App(store, matcher, Bot(store, settings, matcher=matcher))
