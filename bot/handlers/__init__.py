"""All chat commands. Importing this package declares them in ``REGISTRY``."""

from bot.commands import CommandRegistry

REGISTRY = CommandRegistry()

# Imported for their side effect of declaring commands, in the order help lists them.
from bot.handlers import ideas, questions, network, profile  # noqa: E402, I001
from bot.handlers import privacy  # noqa: E402
from bot.handlers import digest  # noqa: E402, F401
from bot.handlers import help  # noqa: E402

__all__ = ["REGISTRY", "help", "ideas", "network", "privacy", "profile", "questions"]
