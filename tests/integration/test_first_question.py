"""Whatever command builds the model folder, the first question after it is answered at once.

Trial 7 imported the plan as its first command; the folder was built, but the router's seed
models were fitted only at the first question (31 s). ``provide_model`` prepares a folder it
has just built; here the build is a copy of the session's folder without what was kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import app
from bot.config import Settings
from matching import light, routing
from matching.encoder import DEFAULT_MODEL, ModelInfo, fast_encoder
from matching.kept import KEPT_DIR
from matching.routing import Router

pytestmark = pytest.mark.model


def test_a_folder_built_by_any_command_has_the_router_ready(
    tmp_path: Path, model_info: ModelInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build(model: str | None, cache_dir: Path, *, progress: bool = False) -> ModelInfo:
        target = cache_dir / DEFAULT_MODEL
        if not target.exists():
            fresh = shutil.ignore_patterns(KEPT_DIR, light.CHECK_FILE)  # nothing checked yet
            shutil.copytree(model_info.path, target, ignore=fresh)
        return ModelInfo(model_info.name, str(target), model_info.dim, model_info.source)

    monkeypatch.setattr(app, "provision_model", build)
    info = app.provide_model(Settings(data_dir=tmp_path))
    assert any((Path(info.path) / KEPT_DIR).iterdir())
    # trial 9 (plan import first): the light model was never checked, so one-shot commands
    # always loaded the whole graph, until somebody ran `ideenlotse model`
    assert light.verified(info)

    def no_fitting(*args: object, **kwargs: object) -> None:
        raise AssertionError("the router was fitted at the first question")

    monkeypatch.setattr(routing, "fit_linear", no_fitting)
    monkeypatch.setattr(routing, "fit_lexical", no_fitting)
    route = Router(fast_encoder(info)).route("Wer richtet mir einen zweiten Bildschirm ein?")
    assert route.target == "cio"


def test_an_existing_folder_is_not_prepared_again(
    tmp_path: Path, model_info: ModelInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a build prepares: every later command only reads what was kept, when needed."""
    calls: list[object] = []
    monkeypatch.setattr(app, "prepare_model_folder", calls.append)
    settings = Settings(data_dir=tmp_path, model=None)
    target = app.model_cache(settings) / DEFAULT_MODEL
    target.parent.mkdir(parents=True)
    target.symlink_to(model_info.path)
    app.provide_model(settings)
    assert calls == []
