"""The German LoRA adapter of multilingual-e5-small: where it lives and how it is merged.

A LoRA adapter adds ``scale * B @ A`` to a linear layer's weight. Merging it into the weights
when the model folder is built gives an ordinary BERT checkpoint, so loading, tracing and
encoding stay exactly as for the plain model, and this module needs neither torch nor peft:
the adapter is read from peft's own files (``adapter_config.json`` and
``adapter_model.safetensors``) with numpy. Training: ``matching.adapter_train``; data, licence
and figures: ``matching/adapter/MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

ADAPTER_DIR = Path(__file__).resolve().parent / "adapter"
# Attention (query, key, value, output) and feed-forward (intermediate, output) of every layer;
# a regex, as peft takes it, so the unused pooler is left alone.
TARGET_MODULES = (
    r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense"
    r"|intermediate\.dense|output\.dense)"
)
_KEY = re.compile(r"(?:.*?)(encoder\.layer\.\d+\..+?)\.lora_([AB])(?:\.default)?\.weight$")


def available(folder: Path = ADAPTER_DIR) -> bool:
    return (folder / "adapter_config.json").is_file() and (
        folder / "adapter_model.safetensors"
    ).is_file()


def fingerprint(folder: Path = ADAPTER_DIR) -> str:
    """sha256 of the adapter's weights: recorded in the built model folder."""
    return hashlib.sha256((folder / "adapter_model.safetensors").read_bytes()).hexdigest()


def lora_deltas(folder: Path = ADAPTER_DIR) -> dict[str, np.ndarray]:
    """``{"encoder.layer.0.attention.self.query.weight": scale * B @ A, ...}`` (float32)."""
    from safetensors.numpy import load_file

    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    rank = int(config["r"])
    scale = float(config.get("lora_alpha", rank)) / rank
    parts: dict[str, dict[str, np.ndarray]] = {}
    for key, value in load_file(str(folder / "adapter_model.safetensors")).items():
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"unexpected tensor {key!r} in the adapter")
        parts.setdefault(match.group(1), {})[match.group(2)] = value.astype(np.float32)
    deltas = {}
    for module, pair in parts.items():
        if set(pair) != {"A", "B"}:
            raise ValueError(f"adapter module {module} lacks lora_A or lora_B")
        deltas[f"{module}.weight"] = scale * (pair["B"] @ pair["A"])
    return deltas


def merged(
    tensors: Iterable[tuple[str, np.ndarray]], deltas: dict[str, np.ndarray]
) -> Iterator[tuple[str, np.ndarray]]:
    """The state dict with every adapted weight replaced by ``W + delta``."""
    pending = dict(deltas)
    for name, value in tensors:
        delta = pending.pop(name, None)
        if delta is not None:
            if delta.shape != value.shape:
                raise ValueError(f"adapter shape {delta.shape} does not fit {name} {value.shape}")
            value = (value.astype(np.float32) + delta).astype(value.dtype)
        yield name, value
    if pending:
        raise ValueError(f"adapter weights for unknown modules: {sorted(pending)[:3]}")
