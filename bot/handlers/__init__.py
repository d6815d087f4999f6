"""All chat commands. Importing this package declares them in ``REGISTRY``."""

# isort: skip_file
from bot.commands import REGISTRY

# Imported for their side effect of declaring commands, in the order help lists them.
from bot.handlers import ideas, questions, network, profile
from bot.handlers import privacy
from bot.handlers import digest  # noqa: F401
from bot.handlers import plans  # noqa: F401
from bot.handlers import lagebild  # noqa: F401
from bot.handlers import help

__all__ = ["REGISTRY", "help", "ideas", "network", "privacy", "profile", "questions"]
