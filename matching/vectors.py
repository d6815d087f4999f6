"""Vectors as bytes for the store: float32, little-endian, no header."""

from __future__ import annotations

import numpy as np

DTYPE = np.dtype("<f4")


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=DTYPE).astype(np.float32)
