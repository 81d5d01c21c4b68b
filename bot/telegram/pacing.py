"""Strict pacing for Telegram's overall flood limit.

AIORateLimiter's leaky bucket lets a burst through after a quiet spell, which can exceed
~30 messages in one second. Here every message-sending request is spaced by 1/rate seconds
at the HTTP layer, right before it goes on the wire, so that coroutines interleaving in the
library cannot bunch requests that were paced further up. A flood answer (RetryAfter) pauses
every sender; the limiter retries it, and still applies Telegram's per-group limit.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

PACED_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "copyMessage",
        "forwardMessage",
    }
)
# a second plus a margin for arrival jitter: requests leaving on time may still reach Telegram
# bunched, and one flood answer pauses every sender for a whole second
WINDOW = 1.02


class Pacer:
    """Spaces actual departures at least 1/rate seconds apart and never lets more than
    rate (rounded down) leave in any window of a second (plus a margin). Waiting happens under the lock, so a
    stalled loop only delays messages, it never lets the overdue ones leave in a burst."""

    def __init__(self, messages_per_second: float) -> None:
        self.interval = 1.0 / messages_per_second
        self.per_second = max(1, int(messages_per_second))
        self._next = 0.0
        self._recent: collections.deque[float] = collections.deque()
        self._lock: asyncio.Lock | None = None

    async def wait(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._recent and now - self._recent[0] >= WINDOW:
                    self._recent.popleft()
                ready = self._next
                if len(self._recent) >= self.per_second:
                    ready = max(ready, self._recent[0] + WINDOW)
                if ready <= now:
                    break
                await asyncio.sleep(ready - now)
            self._recent.append(now)
            self._next = now + self.interval

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)


class PacedRequest(HTTPXRequest):
    """The library's HTTP request, paced for message-sending endpoints."""

    def __init__(self, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pacer = pacer

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.rsplit("/", 1)[-1] in PACED_ENDPOINTS:
            await self._pacer.wait()
        return await super().do_request(url, method, *args, **kwargs)


class PacedRateLimiter(AIORateLimiter):
    """Per-group limits from the parent; RetryAfter waited out here, pausing every sender."""

    def __init__(self, pacer: Pacer, *, max_retries: int = 3) -> None:
        super().__init__(overall_max_rate=0, max_retries=0)  # the pacer replaces the bucket
        # the parent logs every RetryAfter as an exception; here they are expected and retried
        logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        self._pacer = pacer
        self._retries = max_retries

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        for attempt in range(self._retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as exc:
                if attempt == self._retries:
                    raise
                self._pacer.pause(_seconds(exc.retry_after))
        raise AssertionError("unreachable")  # pragma: no cover


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
