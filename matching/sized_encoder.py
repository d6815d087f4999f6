"""The light model for a few texts, the checked graph for many, behind one encoder.

One-shot commands and the console use the light model (``matching.light``): it loads in about
a second, but encodes one text after another. A command that meets many texts at once (the
router's 765 seed questions on the first question after a model was built, the examples of
``!beispiele``, a plan import) then waited half a minute or more (trial 7: 31 s for the
first question). OpenVINO's graph (``matching.graph_runtime``) encodes in padded batches,
several times faster per text, but takes a second or two to load; so it is loaded on the
first large call only, and only where its check passed for this folder.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from matching.encoder import Encoder, ModelInfo
from matching.graph_runtime import load_graph
from matching.light import LightEncoder

BATCH_FROM = 64  # texts; below, loading the graph costs more than it saves


class SizedEncoder:
    """``encode`` through the light model, or through the graph from ``BATCH_FROM`` texts."""

    def __init__(self, light: LightEncoder) -> None:
        self.light = light
        self.info: ModelInfo = light.info
        self.name, self.dim, self.prefix = light.name, light.dim, light.prefix
        self._graph: Encoder | None = None
        self._looked = False  # for the graph: there is none usable where it stays None
        self._loading = threading.Lock()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        graph = self.graph() if len(texts) >= BATCH_FROM else None
        chosen = graph if graph is not None else self.light
        return chosen.encode(texts, batch_size=batch_size, progress=progress)

    def graph(self) -> Encoder | None:
        with self._loading:
            if not self._looked:
                self._graph, self._looked = load_graph(self.info, self.prefix), True
        return self._graph
