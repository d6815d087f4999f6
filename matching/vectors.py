"""Vectors as bytes for the store: float32, little-endian, no header."""

from __future__ import annotations

import numpy as np

DTYPE = np.dtype("<f4")


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=DTYPE).astype(np.float32)


def centred(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Unit rows after removing ``centre``: what all texts share says nothing about a pair."""
    moved = np.atleast_2d(np.asarray(vectors, dtype=np.float32)) - centre
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)
