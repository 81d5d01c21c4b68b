"""How a platform writes a command, so the core's help, hints and errors speak its syntax.

The core writes every command it mentions through `cmd("topics set <text>")`; the adapter
says which syntax the caller uses (`/topics set …` in Telegram and the console,
`/paperbot topics set …` in Slack), and the reply is composed in it from the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Syntax:
    prefix: str  # what comes before a command's name

    def command(self, text: str) -> str:
        return self.prefix + text.lstrip("/")


SLASH = Syntax("/")  # Telegram, the console
SLACK = Syntax("/paperbot ")

_current: ContextVar[Syntax] = ContextVar("paperbot_syntax", default=SLASH)


def cmd(text: str) -> str:
    """`text` (a command with its arguments, no slash) as the current caller would type it."""
    return _current.get().command(text)


@contextmanager
def speaking(syntax: Syntax) -> Iterator[None]:
    """Compose every reply inside in `syntax` (a context variable: one per thread and task)."""
    token = _current.set(syntax)
    try:
        yield
    finally:
        _current.reset(token)
