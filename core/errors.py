"""Errors the core raises; the edges (CLI, chat adapters) turn them into one-line replies."""


class PaperbotError(Exception):
    """Base: the message is a complete sentence a user can read."""


class InputError(PaperbotError):
    """The user or operator gave something we cannot accept."""


class NotFoundError(PaperbotError):
    """A user, paper or day that does not exist."""


class SourceError(PaperbotError):
    """arXiv (or another outside source) failed or answered something unreadable."""
