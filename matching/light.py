"""The model without torch: e5's forward pass in numpy, for one-shot commands and first replies.

Importing torch, transformers and sentence-transformers takes 5-6 s and loading the model
through them another 3 s, before `ideenlotse similar TEXT` has encoded anything; a TorchScript
trace of the transformer still needed torch and a 470 MB file (about 5 s in all). The model is
small (12 BERT layers of width 384): for one text, its forward pass is a few dozen matrix
products, which numpy does as fast as torch. This module reads the model folder's own weights
(``model.safetensors``, the adapter already merged) and tokenizer (``tokenizer.json``, through
the `tokenizers` library, its Latin-script part first: ``matching.light_tokens``), so it
carries whatever model was built.

It is used only where it was checked: ``verify`` compares it with sentence-transformers, the
canonical path, on CHECK_TEXTS and records the result in the folder (``light.json``, bound to
the weights' size and time and to this module's source); ``load_light`` refuses a folder
without that record. Texts are
encoded one at a time, without padding, so no batch changes another text's vector.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matching import light_tokens
from matching.encoder import ModelInfo
from matching.light_tokens import Tokens, keep_latin
from matching.model_files import mapped_tensors, weights_stamp

if TYPE_CHECKING:
    from matching.encoder import SentenceEncoder

log = logging.getLogger(__name__)

CHECK_FILE = "light.json"
WEIGHTS = "model.safetensors"
LEGACY_FILE = "light.pt"  # the TorchScript trace of earlier versions (470 MB), now unused
MIN_COSINE = 0.999
CHECK_TEXTS = (
    "Eingangsrechnungen als E-Rechnung digital freigeben",
    "Wer betreut das WLAN im Rathaus?",
    "Termine im Bürgerbüro online buchen, mit Erinnerung per SMS",
    "Öffnungszeiten, Straßenreinigung, Gebühren – ÄÖÜ äöü ß",
    "E-Akte im Bauamt " * 120,  # longer than the model's 512 tokens: truncated alike
)
_SQRT_HALF = np.float32(math.sqrt(0.5))


@dataclass(frozen=True)
class _Layer:
    """One transformer layer; matrices stored input-major, so ``x @ w`` needs no transpose."""

    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value in one product
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


class LightEncoder:
    """A BERT-style sentence encoder (e5) in numpy: mean pooling, then L2 normalisation."""

    def __init__(self, info: ModelInfo, prefix: str) -> None:
        folder = Path(info.path)
        self.info, self.name, self.dim, self.prefix = info, info.name, info.dim, prefix
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        kind = (config.get("model_type"), config.get("hidden_act"))
        if kind != ("bert", "gelu") or config.get("position_embedding_type") != "absolute":
            raise ValueError(f"not a BERT model with GELU and absolute positions: {folder}")
        self.heads = int(config["num_attention_heads"])
        self.eps = np.float32(config["layer_norm_eps"])
        sbert = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokens = Tokens(folder, int(sbert["max_seq_length"]))
        self._load(folder / WEIGHTS, int(config["num_hidden_layers"]))

    def _load(self, path: Path, layers: int) -> None:
        tensors = mapped_tensors(path)

        def get(name: str, transpose: bool = False) -> np.ndarray:
            value = tensors[name]
            return np.ascontiguousarray(value.T if transpose else value, dtype=np.float32)

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return get(f"{name}.LayerNorm.weight"), get(f"{name}.LayerNorm.bias")

        # 250,000 rows, of which a text needs a few dozen: read from the page cache on demand
        self.words = tensors["embeddings.word_embeddings.weight"]
        self.positions = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.norm = norm("embeddings")
        self.layers = []
        for i in range(layers):
            p = f"encoder.layer.{i}."
            qkv = [f"{p}attention.self.{part}" for part in ("query", "key", "value")]
            self.layers.append(
                _Layer(
                    qkv=np.hstack([get(f"{name}.weight", True) for name in qkv]),
                    qkv_bias=np.concatenate([get(f"{name}.bias") for name in qkv]),
                    out=get(f"{p}attention.output.dense.weight", True),
                    out_bias=get(f"{p}attention.output.dense.bias"),
                    norm1=norm(f"{p}attention.output"),
                    up=get(f"{p}intermediate.dense.weight", True),
                    up_bias=get(f"{p}intermediate.dense.bias"),
                    down=get(f"{p}output.dense.weight", True),
                    down_bias=get(f"{p}output.dense.bias"),
                    norm2=norm(f"{p}output"),
                )
            )

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised, `self.prefix` put before every text."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        items: Iterable[str] = texts
        if progress:
            from tqdm import tqdm

            items = tqdm(texts, desc="Texte", unit=" Text", leave=False)
        rows = [self._one(self.prefix + text) for text in items]
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def _one(self, text: str) -> np.ndarray:
        ids = self.tokens.ids(text)
        x = self.words[ids].astype(np.float32) + self.positions[: len(ids)] + self.token_type
        x = self._norm(x, self.norm)
        for layer in self.layers:
            x = self._norm(x + self._attention(x, layer), layer.norm1)
            hidden = x @ layer.up + layer.up_bias
            hidden *= 0.5 * (1.0 + _erf(hidden * _SQRT_HALF))  # GELU, exact form
            x = self._norm(x + hidden @ layer.down + layer.down_bias, layer.norm2)
        pooled = x.mean(axis=0)
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def _attention(self, x: np.ndarray, layer: _Layer) -> np.ndarray:
        tokens, width = x.shape
        size = width // self.heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(tokens, 3, self.heads, size)
        # contiguous (heads, tokens, size) blocks: numpy hands only those to BLAS
        query, key, value = np.ascontiguousarray(qkv.transpose(1, 2, 0, 3))
        scores = query @ np.ascontiguousarray(key.transpose(0, 2, 1))
        scores *= np.float32(1.0 / math.sqrt(size))
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        mixed = (scores @ value).transpose(1, 0, 2).reshape(tokens, width)
        return np.asarray(mixed @ layer.out + layer.out_bias)

    def _norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        return np.asarray(centred / np.sqrt(variance + self.eps) * weights[0] + weights[1])


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function to about 1e-7 (Numerical Recipes' erfc by Chebyshev fitting):
    numpy has none, and scipy would cost a second of start-up for one function."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))
    poly = -0.18628806 + t * (0.27886807 + t * poly)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * poly)))
    tail = t * np.exp(-z * z + poly)
    return np.asarray(np.sign(x) * (1.0 - tail), dtype=np.float32)


def _checked_what(folder: Path) -> dict[str, str]:
    """What a check holds for: these weights, computed by this very code."""
    code = Path(__file__).read_bytes() + Path(light_tokens.__file__).read_bytes()
    engine = hashlib.sha256(code).hexdigest()[:16]
    return {"weights": weights_stamp(folder), "engine": engine}


def verified(info: ModelInfo) -> bool:
    """Whether the light encoder was checked against the canonical path for these weights."""
    try:
        record = json.loads((Path(info.path) / CHECK_FILE).read_text(encoding="utf-8"))
        return bool(record["checked"] == _checked_what(Path(info.path)))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def load_light(info: ModelInfo, prefix: str) -> LightEncoder | None:
    """The light encoder, if it was verified for this model folder."""
    if not verified(info):
        return None
    try:
        return LightEncoder(info, prefix)
    except Exception as exc:  # an unusual folder only means the full model is loaded
        log.warning("light model for %s unusable (%s); loading the full model", info.path, exc)
        return None


def verify(canonical: SentenceEncoder, info: ModelInfo) -> float | None:
    """Check the light encoder against ``canonical`` (sentence-transformers on the same folder)
    and record the result; the worst cosine, or None where the folder is no e5-like BERT.
    The record is written under a temporary name and renamed: a reader never sees half."""
    folder = Path(info.path)
    try:
        keep_latin(folder)
    except (OSError, ValueError, KeyError) as exc:  # read-only folder: the whole tokenizer
        log.info("no Latin-script tokenizer kept in %s: %s", folder, exc)
    try:
        light = LightEncoder(info, canonical.prefix)
    except (ValueError, KeyError, OSError) as exc:
        log.info("no light model for %s: %s", folder, exc)
        return None
    got, want = light.encode(CHECK_TEXTS), canonical.encode(CHECK_TEXTS, progress=False)
    worst = float(np.min(np.einsum("ij,ij->i", got, want)))
    temporary = folder / f".{CHECK_FILE}.{uuid.uuid4().hex}"
    try:
        (folder / LEGACY_FILE).unlink(missing_ok=True)
        if worst < MIN_COSINE:
            log.warning("light model not used: cosine %.5f to the full model", worst)
            (folder / CHECK_FILE).unlink(missing_ok=True)
            return worst
        record = {"checked": _checked_what(folder), "min_cosine": round(worst, 7)}
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, folder / CHECK_FILE)
    except OSError as exc:  # a read-only model folder: the full model stays in use
        log.info("light model check not recorded in %s: %s", folder, exc)
        temporary.unlink(missing_ok=True)
    return worst
