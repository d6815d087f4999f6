"""What follows from the model and the packaged data alone, computed once and kept in its folder.

Every process that matches or routes needs the same results: the vectors of the reference
ideas that centre the people profiles (``matching.engine``), and the router's two models
fitted on the labelled seed questions (``matching.routing``). Computing them took a one-shot
`ideenlotse route` 7 s of its 16 (encoding 540 questions, importing scikit-learn, fitting).
They depend only on the model's weights, the prefix and the packaged data, so they are kept
in the model folder as .npz files, keyed by all three, and read back in milliseconds.

Only what follows from packaged data comes here: nothing derived from what a person wrote
is written to the model folder. Encoders without a folder (the fakes of the tests) simply
compute each time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from matching.encoder import Encoder
from matching.model_files import weights_stamp

log = logging.getLogger(__name__)

KEPT_DIR = "kept"

Arrays = dict[str, np.ndarray]


def kept_arrays(encoder: Encoder, key: object, compute: Callable[[], Arrays]) -> Arrays:
    """``compute()``, or what it returned before for this model and ``key`` (JSON-able:
    everything the result depends on besides the model)."""
    digest = model_digest(encoder, key)
    info = getattr(encoder, "info", None)
    if digest is None or info is None:
        return compute()
    path = Path(info.path) / KEPT_DIR / f"{digest[:32]}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, KeyError):
        pass  # not computed yet (or damaged): computed now
    arrays = compute()
    _write(path, arrays)
    return arrays


def model_digest(encoder: Encoder, key: object) -> str | None:
    """A digest of ``key`` and the model's weights and prefix; None for an encoder without a
    folder (the fakes of the tests), whose results are never kept."""
    info = getattr(encoder, "info", None)  # SentenceEncoder and LightEncoder have a folder
    if info is None:
        return None
    whole = [encoder.name, getattr(encoder, "prefix", ""), weights_stamp(Path(info.path)), key]
    return hashlib.sha256(json.dumps(whole, ensure_ascii=False).encode()).hexdigest()


def kept_at(path: Path, digest: str, compute: Callable[[], Arrays]) -> Arrays:
    """``compute()``, or what it returned before for ``digest``, kept in the single file
    ``path``: for what follows from what people wrote (the router refitted on a city's
    re-routings), kept in the private data dir and replaced when the digest changes."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["digest"]) == digest:
                return {name: stored[name] for name in stored.files if name != "digest"}
    except (OSError, ValueError, KeyError):
        pass
    arrays = compute()
    _write(path, {**arrays, "digest": np.array(digest)})
    return arrays


def encode_kept(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """``encoder.encode(texts)`` for packaged texts, kept with the model."""
    arrays = kept_arrays(encoder, ["vectors", list(texts)], lambda: {"v": encoder.encode(texts)})
    return np.asarray(arrays["v"], dtype=np.float32)


def _write(path: Path, arrays: Arrays) -> None:
    """Under a temporary name, then renamed: a reader in another process never sees half."""
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.npz")
    try:
        path.parent.mkdir(exist_ok=True)
        with open(temporary, "wb") as file:
            np.savez(file, allow_pickle=False, **arrays)
        os.replace(temporary, path)
    except OSError as exc:  # a read-only model folder: computed again next time
        log.info("not kept in %s: %s", path.parent, exc)
        temporary.unlink(missing_ok=True)
