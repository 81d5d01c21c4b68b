"""The questions a chat adapter asked and waits for the next message to answer (a /start
waiting for topics, an /import waiting for a file). Kept in memory and bounded: questions
nobody answers must not grow a process without limit, whoever sends them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
MAX_OPEN = 10_000


class OpenQuestions(Generic[K]):
    """Who (a chat and user key) was asked what (the command their next message answers)."""

    def __init__(self, limit: int = MAX_OPEN) -> None:
        self.limit = limit
        self._open: OrderedDict[K, str] = OrderedDict()

    def ask(self, key: K, command: str) -> None:
        """Remember the question; past the limit the oldest unanswered one is forgotten."""
        self._open.pop(key, None)
        self._open[key] = command
        while len(self._open) > self.limit:
            self._open.popitem(last=False)

    def answer(self, key: K) -> str | None:
        """The command this message answers, if a question was open; any message ends it."""
        return self._open.pop(key, None)

    def __len__(self) -> int:
        return len(self._open)
