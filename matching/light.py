"""The model for one-shot commands: its traced transformer, loaded without sentence-transformers.

Importing sentence-transformers and transformers takes 5-6 s and loading the model through them
another 3 s, before `ideenlotse similar TEXT` has encoded anything. The single-text path of the
bot already runs a frozen TorchScript trace of the transformer (``matching.traced``). Saved next
to the model as ``light.pt``, it needs only torch and the `tokenizers` library to run: the text
is tokenised from the model's own tokenizer.json, and mean pooling and normalisation, the two
modules after the transformer, are a few tensor operations.

The file is written by ``save_light`` and kept only if it gives the canonical vectors: cosine
at least MIN_COSINE to sentence-transformers' own output on CHECK_TEXTS (in practice they differ
by about 1e-7). Texts are encoded one at a time, as the trace was recorded without padding.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matching.encoder import ModelInfo

if TYPE_CHECKING:
    from matching.encoder import SentenceEncoder

log = logging.getLogger(__name__)

LIGHT_FILE = "light.pt"
MIN_COSINE = 0.999
CHECK_TEXTS = (
    "Eingangsrechnungen als E-Rechnung digital freigeben",
    "Wer betreut das WLAN im Rathaus?",
    "Termine im Bürgerbüro online buchen, mit Erinnerung per SMS",
    "Öffnungszeiten, Straßenreinigung, Gebühren – ÄÖÜ äöü ß",
    "E-Akte im Bauamt " * 120,  # longer than the model's 512 tokens: truncated alike
)


def light_file(info: ModelInfo) -> Path:
    return Path(info.path) / LIGHT_FILE


class LightEncoder:
    """Encodes texts one at a time through the saved trace; the same vectors as the bot's."""

    def __init__(self, info: ModelInfo, prefix: str, model_file: Path | None = None) -> None:
        import torch
        from tokenizers import Tokenizer

        folder = Path(info.path)
        self.info, self.name, self.dim, self.prefix = info, info.name, info.dim, prefix
        with warnings.catch_warnings():  # TorchScript is deprecated in favour of torch.export;
            warnings.simplefilter("ignore", DeprecationWarning)  # the pinned torch still has it
            self.model = torch.jit.load(str(model_file or folder / LIGHT_FILE))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokenizer.enable_truncation(int(config["max_seq_length"]))
        self.tokenizer.no_padding()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised, `self.prefix` put before every text."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        rows = [self._one(self.prefix + text) for text in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def _one(self, text: str) -> np.ndarray:
        import torch

        encoded = self.tokenizer.encode(text)
        ids = torch.tensor([encoded.ids])
        mask = torch.tensor([encoded.attention_mask])
        with torch.inference_mode():
            hidden = self.model(ids, mask)["last_hidden_state"]
            pooled = (hidden * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)
            vector = torch.nn.functional.normalize(pooled, dim=1)[0]
        return vector.numpy().astype(np.float32)


def load_light(info: ModelInfo, prefix: str) -> LightEncoder | None:
    """The light encoder, if its file was built and checked for this model folder."""
    if not light_file(info).exists():
        return None
    try:
        return LightEncoder(info, prefix)
    except Exception as exc:  # a damaged file only means the full model is loaded
        log.warning("light model in %s unusable (%s); loading the full model", info.path, exc)
        return None


def save_light(encoder: SentenceEncoder, folder: Path | None = None) -> bool:
    """Trace ``encoder``'s transformer, save it into its model folder (or ``folder``, which
    needs the model's tokenizer files), and keep it only if it encodes like the canonical
    path. Written under a temporary name and renamed, so a reader never sees half a file."""
    import torch

    from matching.traced import trace

    fast = trace(encoder.model)
    if fast is None:
        return False
    info = encoder.info if folder is None else replace(encoder.info, path=str(folder))
    target = light_file(info)
    temporary = target.with_name(f".{LIGHT_FILE}.{uuid.uuid4().hex}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.jit.save(fast.traced, str(temporary))
        os.chmod(temporary, 0o644)  # like the model's other files
        light = LightEncoder(info, encoder.prefix, model_file=temporary)
        got, want = light.encode(CHECK_TEXTS), encoder.encode(CHECK_TEXTS, progress=False)
        worst = float(np.min(np.einsum("ij,ij->i", got, want)))
        if worst < MIN_COSINE:
            log.warning("light model not kept: cosine %.5f to the full model", worst)
            return False
        os.replace(temporary, target)
        return True
    finally:
        temporary.unlink(missing_ok=True)
