"""`ideenlotse import` while it encodes: a bar that moves on a terminal (310 ideas stood at
0 % for ten seconds, then jumped), and nothing but the summary with ``--quiet``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import tqdm
from click.testing import CliRunner, Result

from bot import cli_data
from bot.config import Settings
from bot.semantic import SemanticMatcher
from bot.services.imports import encode_imported
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

NOW = "2026-11-23T09:00:00+00:00"
IDEAS = 150
Run = Callable[..., Result]
Opened = list[bool | None]  # the ``progress`` each opening of the app was given


def matcher_for(store: Store) -> SemanticMatcher:
    matcher = SemanticMatcher(HashingEncoder(), clock=FakeClock(), thresholds=hashing_thresholds())
    matcher.load(store)
    return matcher


def test_encoding_reports_each_step(store: Store) -> None:
    with store.transaction():
        ideas = [store.add_idea(NewIdea(f"Idee Nummer {n}", None), NOW) for n in range(IDEAS)]
    steps: list[int] = []
    matcher = matcher_for(store)
    assert encode_imported(store, matcher, ideas, on_encoded=steps.append) == IDEAS
    assert steps == [64, 64, 22]  # steps no smaller than the batch encoder takes
    assert store.ideas_without_embedding(matcher.encoder.name) == []


@dataclass
class FakeApp:
    """The parts of ``App`` the import uses, with the hashing encoder instead of the model."""

    store: Store
    matcher: SemanticMatcher

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def ideas_file(tmp_path: Path) -> Path:
    file = tmp_path / "ideen.csv"
    rows = "".join(
        f"Idee Nummer {n} für die Verwaltung,Person {n % 7},FD 10\n" for n in range(IDEAS)
    )
    file.write_text("text,author,department\n" + rows, encoding="utf-8")
    return file


@pytest.fixture
def run_import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Opened, Run]:
    """``ideenlotse import`` as on a terminal (``watched``), with the fake app."""
    opened: Opened = []

    def open_app(config: Settings, *, progress: bool | None = None, **_: object) -> FakeApp:
        opened.append(progress)
        store = open_store(config.data_dir)
        return FakeApp(store, matcher_for(store))

    monkeypatch.setattr(cli_data, "open_app", open_app)
    monkeypatch.setattr(cli_data, "watched", lambda: True)
    # draw every step, however fast it is (a person sees one every two seconds)
    monkeypatch.setattr(tqdm, "tqdm", partial(tqdm.tqdm, mininterval=0, miniters=1))
    settings = Settings(data_dir=tmp_path / "data")

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli_data.import_, list(args), obj=settings)

    return opened, run


def test_on_a_terminal_the_encoding_bar_moves(
    run_import: tuple[Opened, Run], ideas_file: Path
) -> None:
    _, run = run_import
    result = run(str(ideas_file))
    assert result.exit_code == 0, result.output
    assert "encoding 150 ideas for similarity search" in result.stderr
    assert "64/150" in result.stderr and "128/150" in result.stderr
    assert "150/150" in result.stderr
    assert result.stdout == "150 ideas imported, 0 already there, 0 rows with errors\n"


def test_quiet_prints_only_the_summary(run_import: tuple[Opened, Run], ideas_file: Path) -> None:
    opened, run = run_import
    result = run(str(ideas_file), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == "150 ideas imported, 0 already there, 0 rows with errors\n"
    assert opened == [False]  # loading the model and the index draws no bars either
