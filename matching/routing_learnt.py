"""The router refitted on a city's re-routings, kept in the data dir between processes.

Every process that routes replays the stored re-routings; refitting on them took 2.4 s on a
quiet machine and 6-10 s on a busy one, for every `ideenlotse route` and every console
process's first question (trial 10). The refit depends only on the model, the packaged seed
questions and the re-routings, so it is kept in one file, with a digest of all three, and read
back while they stay the same.

The file holds what people wrote (the re-routed questions' character n-grams), so it lives in
the owner-only data dir, never in the model folder, and is removed at the next start once
it no longer matches: after an erasure took a person's questions, say.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from matching.kept import Arrays, kept_at

FILE_NAME = "router-learnt.npz"


def kept_refit(
    path: Path | None, digest: str | None, train: Callable[[], tuple[Arrays, Arrays]]
) -> tuple[Arrays, Arrays]:
    """``train()`` (the embedding and the n-gram model's arrays), or what it gave before for
    ``digest``; without a path or a digest (a fake encoder), trained each time."""
    if path is None or digest is None:
        return train()

    def both() -> Arrays:
        embedded, grams = train()
        return {**_prefixed("m.", embedded), **_prefixed("l.", grams)}

    arrays = kept_at(path, digest, both)
    return _part("m.", arrays), _part("l.", arrays)


def drop_stale(path: Path | None, digest: str | None) -> None:
    """Remove the kept refit unless it is the one for ``digest``."""
    if path is None or not path.exists():
        return
    try:
        with np.load(path, allow_pickle=False) as stored:
            current = str(stored["digest"]) == digest
    except (OSError, ValueError, KeyError):
        current = False
    if not current:
        path.unlink(missing_ok=True)


def _prefixed(prefix: str, arrays: Arrays) -> Arrays:
    return {prefix + name: value for name, value in arrays.items()}


def _part(prefix: str, arrays: Arrays) -> Arrays:
    return {name[len(prefix) :]: v for name, v in arrays.items() if name.startswith(prefix)}
