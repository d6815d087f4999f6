"""Embeddings, similarity, people, routing and clustering: texts in, scores out.

``import openvino`` imports its model converter, whose telemetry client sends a usage event
to Google Analytics unless a consent file in the home folder says no (trial 24 recorded the
request). Nothing of ours may leave the server, not even a usage count: with its package
unimportable, the converter falls back to its own stub, which sends nothing. Everything here
imports OpenVINO after this package, the export's child process too (``python -m``).
"""

from __future__ import annotations

import sys

sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]
