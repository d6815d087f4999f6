"""One text at a time, fast: the model's transformer traced once with TorchScript.

A chat message is encoded alone, and for one short text the eager transformers code spends a
third of its time in Python (module calls, mask building, sentence-transformers' per-call
device and mode checks). A frozen TorchScript trace runs the same arithmetic without that
Python: p50 10-14 ms against 16-22 ms per message on the default model (bench/speed.py, the
two interleaved), with results equal to 1e-7. Tracing takes about 1.3 s, paid by the first
single text. It is only used where it is known to be exact:

- one text, so there is no padding (the trace records the path of an all-ones mask);
- a plain stack of Transformer, Pooling (prompt included) and Normalize modules;
- the trace reproduces the eager output on probe texts when it is built, else it is dropped.

Batches (loading, imports) keep sentence-transformers' own path, where Python is amortised.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

PROBES = ("query: Radweg an der Hauptstraße sanieren", "query: " + "E-Akte im Bauamt " * 25)
TOLERANCE = 1e-5  # largest allowed difference to the eager path, per vector component


class TracedEncoder:
    """Encodes a single (already prefixed) text through the traced transformer."""

    def __init__(self, model: SentenceTransformer, traced: Any) -> None:
        self.model = model
        self.traced = traced
        self.rest = list(model)[1:]  # pooling and normalisation, cheap and exact in eager mode

    def encode_one(self, text: str) -> np.ndarray:
        import torch

        with torch.inference_mode():
            features = self.model.preprocess([text])
            hidden = self.traced(features["input_ids"], features["attention_mask"])
            features["token_embeddings"] = hidden["last_hidden_state"]
            for module in self.rest:
                features = module(features)
            return features["sentence_embedding"][0].numpy().astype(np.float32)


@contextlib.contextmanager
def _transformers_quiet() -> Iterator[None]:
    """Tracing touches every attribute of the model, among them the training loss, and
    transformers then warns about a ``loss_type`` this encoder never uses."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def trace(model: SentenceTransformer) -> TracedEncoder | None:
    """A TracedEncoder for ``model``, or None where the eager path must be kept."""
    if not _plain_stack(model):
        return None
    import torch

    try:
        transformer = model[0].auto_model
        example = model.preprocess([PROBES[0]])
        with torch.no_grad(), warnings.catch_warnings(), _transformers_quiet():
            warnings.simplefilter("ignore")  # TracerWarnings about Python branches: checked below
            traced = torch.jit.trace(
                transformer, (example["input_ids"], example["attention_mask"]), strict=False
            )
            traced = torch.jit.freeze(traced.eval())
        fast = TracedEncoder(model, traced)
        eager = model.encode(  # as given; no "Batches" bar, even when -v sets INFO
            list(PROBES), prompt="", convert_to_numpy=True, show_progress_bar=False
        )
        pairs = zip(PROBES, eager, strict=True)
        error = max(float(np.abs(fast.encode_one(p) - e).max()) for p, e in pairs)
    except Exception as exc:  # any failure only means the slower path is used
        log.info("single-text fast path unavailable (%s); using the eager model", exc)
        return None
    if error > TOLERANCE:
        log.info("single-text fast path off: differs from the eager model by %.2g", error)
        return None
    return fast


def _plain_stack(model: SentenceTransformer) -> bool:
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.base.modules.transformer import Transformer
    from sentence_transformers.sentence_transformer.modules.pooling import Pooling

    modules = list(model)
    if not modules or not isinstance(modules[0], Transformer):
        return False
    if not hasattr(modules[0], "auto_model"):
        return False
    return all(
        isinstance(m, Normalize) or (isinstance(m, Pooling) and m.include_prompt)
        for m in modules[1:]
    )
