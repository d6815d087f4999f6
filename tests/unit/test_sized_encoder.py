"""One-shot commands encode a few texts with the light model and many through the graph."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from matching import sized_encoder
from matching.encoder import ModelInfo
from matching.sized_encoder import BATCH_FROM, SizedEncoder


class Recording:
    def __init__(self, name: str) -> None:
        self.name, self.dim, self.prefix = name, 4, "query: "
        self.info = ModelInfo("m", "/nowhere", 4, "test")
        self.calls: list[int] = []

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        self.calls.append(len(texts))
        return np.ones((len(texts), 4), np.float32) / 2


def sized(monkeypatch: pytest.MonkeyPatch, graph: Recording | None) -> tuple[SizedEncoder, list]:
    loads: list[str] = []

    def load_graph(info: ModelInfo, prefix: str) -> Recording | None:
        loads.append(prefix)
        return graph

    monkeypatch.setattr(sized_encoder, "load_graph", load_graph)
    return SizedEncoder(Recording("light")), loads  # type: ignore[arg-type]


def test_few_texts_never_load_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder, loads = sized(monkeypatch, Recording("graph"))
    assert encoder.encode(["eine Idee"] * (BATCH_FROM - 1)).shape == (BATCH_FROM - 1, 4)
    assert loads == [] and encoder.light.calls == [BATCH_FROM - 1]  # type: ignore[attr-defined]


def test_many_texts_go_through_the_graph_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Recording("graph")
    encoder, loads = sized(monkeypatch, graph)
    encoder.encode(["Frage"] * BATCH_FROM)
    encoder.encode(["Frage"] * (BATCH_FROM + 1))
    assert graph.calls == [BATCH_FROM, BATCH_FROM + 1] and loads == ["query: "]
    assert encoder.light.calls == []  # type: ignore[attr-defined]


def test_without_a_checked_graph_the_light_model_does_it_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder, loads = sized(monkeypatch, None)
    encoder.encode(["Frage"] * BATCH_FROM)
    encoder.encode(["Frage"] * BATCH_FROM)
    assert encoder.light.calls == [BATCH_FROM, BATCH_FROM] and len(loads) == 1  # type: ignore[attr-defined]
