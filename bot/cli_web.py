"""``ideenlotse web`` and ``ideenlotse web-link``: the Lagebild cockpit (issue #19)."""

from __future__ import annotations

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
def web() -> None:
    """Serve the Lagebild cockpit."""


@click.command("web-link", context_settings={"help_option_names": ["-h", "--help"]})
def web_link() -> None:
    """Print a one-time login link for the cockpit."""
