"""Making the ONNX graph of ``matching.graph_runtime``: export it, check it, record the check.

Run as ``python -m matching.onnx_export MODEL_FOLDER`` by ``graph_runtime.ensure_graph``,
where the model folder is built (``matching.encoder.provision_model``): this process imports
torch and sentence-transformers and exits, so the one that asked never holds them. Offline:
everything comes from the folder.

The check compares the graph with sentence-transformers, the canonical path, on the shared
check sentences of ``matching.light`` and the packaged reference ideas, each text alone and
all of them in padded batches as ``GraphEncoder.encode`` runs them; a worst cosine below
MIN_COSINE (in bfloat16, and then in float32) is recorded as a failure and the graph
removed, so the canonical path answers.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.encoder import ModelInfo, SentenceEncoder
from matching.engine import reference_ideas
from matching.graph_runtime import (
    COMPILED,
    GRAPH,
    MIN_COSINE,
    GraphEncoder,
    read_record,
    sources,
    write_record,
)
from matching.light import CHECK_TEXTS


def export(folder: Path, target: Path) -> None:
    """Write the folder's transformer, mean pooling and normalisation as an ONNX graph that
    takes word embeddings (batch, tokens, hidden) and the attention mask (batch, tokens)."""
    import torch
    from sentence_transformers import SentenceTransformer

    _check_modules(folder)
    model = SentenceTransformer(
        str(folder),
        device="cpu",
        local_files_only=True,
        # the plain attention code: matrix products that OpenVINO fuses into attention
        model_kwargs={"dtype": torch.float32, "attn_implementation": "eager"},
    )
    body: Any = model[0].auto_model
    body.eval()

    class Pooled(torch.nn.Module):
        """As sentence-transformers' Pooling (mean, prompt included) and Normalize."""

        def __init__(self) -> None:
            super().__init__()
            self.body = body

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            hidden = self.body(
                inputs_embeds=inputs_embeds, attention_mask=attention_mask
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    embeds = torch.randn(2, 4, int(body.config.hidden_size))
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])  # padding in the example: masks stay live
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
        torch.onnx.export(
            Pooled().eval(),
            (embeds, mask),
            str(target),
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "embedding": {0: "batch"}},
            opset_version=17,
        )


def _check_modules(folder: Path) -> None:
    """Refuse folders whose module stack the graph would not reproduce."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ValueError(f"module stack {kinds} is not Transformer, Pooling, Normalize")
    pooling_config = folder / str(modules[1].get("path", "")) / "config.json"
    pooling = json.loads(pooling_config.read_text(encoding="utf-8"))
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True}
    if modes != {"pooling_mode_mean_tokens"} or pooling.get("include_prompt") is False:
        raise ValueError(f"pooling {sorted(modes)} is not a mean over all tokens")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise ValueError(f"model type {config.get('model_type')} is not BERT")


def check_texts() -> list[str]:
    """The shared check sentences, and the packaged reference ideas (padded batches)."""
    return [*CHECK_TEXTS, *reference_ideas()]


def compare(folder: Path) -> tuple[float, str]:
    """The worst cosine between the graph and sentence-transformers on ``check_texts``, each
    text alone and all of them in padded batches, and the precision it ran in: bfloat16 where
    the CPU has it and it passes, else float32."""
    info = ModelInfo(folder.name, str(folder), 0, "")
    canonical = SentenceEncoder(info)
    texts = check_texts()
    want = canonical.encode(texts, batch_size=32)
    for precision in ("bf16", "f32"):
        fast = GraphEncoder(info, canonical.prefix, precision=precision)
        batched = fast.encode(texts)
        alone = np.vstack([fast.encode([text]) for text in texts])
        worst = float(min(np.einsum("ij,ij->i", got, want).min() for got in (batched, alone)))
        if worst >= MIN_COSINE or fast.precision == "f32":
            break
    return worst, fast.precision


def build(folder: Path) -> float | None:
    """Export, check and record; the worst cosine, or None where the folder's model cannot be
    exported. The graph is written under a temporary name and renamed into place before the
    record is: a reader never sees half of it."""
    folder = Path(folder)
    made_from = sources(folder)
    tag = uuid.uuid4().hex
    temporary = folder / f".{GRAPH}.{tag}"
    worst: float | None = None
    error = precision = None
    try:
        export(folder, temporary)
        os.replace(temporary, folder / GRAPH)
        shutil.rmtree(folder / COMPILED, ignore_errors=True)  # compiled from the old graph
        worst, precision = compare(folder)
    except Exception as exc:  # whatever stops it (this process does nothing else): recorded
        error = f"{type(exc).__name__}: {exc}"
    finally:
        temporary.unlink(missing_ok=True)
    if worst is None or worst < MIN_COSINE:
        (folder / GRAPH).unlink(missing_ok=True)  # never used: no need to keep 86 MB
    write_record(folder, made_from, worst, error, precision)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m matching.onnx_export FOLDER``: 0 if the graph passed its check."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m matching.onnx_export MODEL_FOLDER", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
    worst = build(Path(args[0]))
    if worst is None or worst < MIN_COSINE:
        record = read_record(Path(args[0])) or {}
        print(f"not used: {record.get('error') or f'cosine {worst}'}", file=sys.stderr)
        return 1
    print(f"checked: worst cosine {worst:.7f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
