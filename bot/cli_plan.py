"""``ideenlotse plan``: the city's Digital Agenda, project plan and systems (issue #18)."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def plan() -> None:
    """The city's plans: agenda goals, projects and systems."""
