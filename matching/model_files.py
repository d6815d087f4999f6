"""A model folder's files as the runtimes without torch read them.

``matching.light`` and ``matching.graph_runtime`` read the weights memory-mapped, and bind
what they derive from a folder (a check record, kept vectors) to stamps of its files. Both
live here, below ``matching.encoder``, so that the encoder can make and load those runtimes
without an import cycle (tests/unit/test_layers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def weights_stamp(folder: Path) -> str:
    """Name, size and modification time of a model folder's weight files: what results
    derived from the weights (``matching.light``, ``matching.kept``) are bound to."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix in (".safetensors", ".bin"))
    return ";".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)


def file_stamp(path: Path) -> str:
    """Size and modification time of one file, or "missing"."""
    try:
        stat = Path(path).stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def mapped_tensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, memory-mapped (the format: an 8-byte header length,
    a JSON header of dtype, shape and byte offsets, then the data)."""
    with open(path, "rb") as file:
        length = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(length))
    types = {"F16": np.float16, "F32": np.float32}
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = types.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"weights of type {entry['dtype']} are not supported: {name}")
        begin, _ = entry["data_offsets"]
        shape = tuple(entry["shape"])
        tensors[name] = np.memmap(
            path, dtype=dtype, mode="r", offset=8 + length + begin, shape=shape
        )
    return tensors
