"""The command core: one set of chat commands that every platform adapter forwards to."""

from core.commands.core import CommandCore, Reply

__all__ = ["CommandCore", "Reply"]
