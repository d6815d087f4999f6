"""A console session logs to its file; only the notice of the first model build shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.cli_chat import log_to_file


def test_only_the_model_build_is_told_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trial 24: the README's first command was silent for two minutes (the notice went to
    console.log only); trial 7 read other warnings between the replies."""
    root, encoder = logging.getLogger(), logging.getLogger("matching.encoder")
    kept = (list(root.handlers), list(encoder.handlers))
    try:
        log_to_file(tmp_path / "console.log")
        encoder.warning("first use: building the model in %s (about a minute, once)", "data")
        logging.getLogger("bot.questions").warning("nobody holds the role cio")
        shown = capsys.readouterr().err
        assert "first use: building the model" in shown and "nobody holds" not in shown
        assert "nobody holds" in (tmp_path / "console.log").read_text(encoding="utf-8")
    finally:
        for handler in [*root.handlers, *encoder.handlers]:
            if handler not in kept[0] + kept[1]:
                handler.close()
        root.handlers[:], encoder.handlers[:] = kept
