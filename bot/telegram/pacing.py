"""Strict pacing for Telegram's overall flood limit.

AIORateLimiter's leaky bucket lets a burst through after a quiet spell, which can exceed
~30 messages in one second; spacing every message by 1/rate seconds never does. The parent
class still handles per-group limits and waits out RetryAfter.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

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


class PacedRateLimiter(AIORateLimiter):
    def __init__(self, *, messages_per_second: float, max_retries: int = 3) -> None:
        super().__init__(overall_max_rate=0, max_retries=0)  # pacing replaces the bucket; retries are ours
        # the parent logs every RetryAfter as an exception; here they are expected and retried
        logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        self._retries = max_retries
        self._interval = 1.0 / messages_per_second
        self._next = 0.0
        self._lock: asyncio.Lock | None = None

    async def _pace(self) -> None:
        """Space actual departures: waiting under the lock means a stalled loop only delays
        messages, it never lets the overdue ones leave in a burst."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            loop = asyncio.get_running_loop()
            wait = self._next - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next = loop.time() + self._interval

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
            if endpoint in PACED_ENDPOINTS:
                await self._pace()
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as exc:
                if attempt == self._retries:
                    raise
                wait = _seconds(exc.retry_after)
                # a flood answer pauses every sender, not just this one
                self._next = max(self._next, asyncio.get_running_loop().time() + wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
