"""Polite HTTP to arXiv: one request every few seconds across RSS and API, retries with backoff.

arXiv's terms allow one request every 3 seconds for all its endpoints together, and it answers
429/503 when busy; every arXiv request in paperbot goes through one `Throttle`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from core.errors import SourceError

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "paperbot/0.1 (personal arXiv digests)"


class Throttle:
    """Keeps at least `interval` seconds between the starts of consecutive requests."""

    def __init__(self, interval: float, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self) -> None:
        with self._lock:
            if self._last is not None:
                remaining = self.interval - (time.monotonic() - self._last)
                if remaining > 0:
                    self._sleep(remaining)
            self._last = time.monotonic()


class RetryableError(Exception):
    """A failure worth another try, with the server's Retry-After when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    backoff: float = 5.0
    max_backoff: float = 120.0

    def run(self, what: str, attempt: Callable[[], T], *, sleep: Callable[[float], None]) -> T:
        """Call `attempt` until it succeeds or the retries are spent (then SourceError)."""
        for number in range(self.retries + 1):
            try:
                return attempt()
            except RetryableError as exc:
                if number == self.retries:
                    raise SourceError(f"{what} failed after {number + 1} tries: {exc}") from exc
                delay = min(self.max_backoff, self.backoff * 2**number)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self.max_backoff))
                log.warning("%s: %s; retrying in %.1f s", what, exc, delay)
                sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout  # requests.Session passes it by name
        return super().send(request, *args, **kwargs)


def session_with_timeout(timeout: float) -> requests.Session:
    """A requests session whose every request times out (the arxiv client sets none)."""
    session = requests.Session()
    adapter = _TimeoutAdapter(timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def retry_after_seconds(value: str | None) -> float | None:
    """Parse Retry-After as seconds or an HTTP date; anything else (`soon`, `NaN`) is no hint."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)  # HTTP dates are GMT
        return max(0.0, parsed.timestamp() - time.time())
    return max(0.0, seconds) if math.isfinite(seconds) else None


def get_bytes(session: requests.Session, url: str) -> bytes:
    """One GET; retryable failures raise RetryableError, others SourceError."""
    try:
        response = session.get(url)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise RetryableError(type(exc).__name__) from exc
    if response.status_code in RETRY_STATUSES:
        raise RetryableError(
            f"HTTP {response.status_code}",
            retry_after_seconds(response.headers.get("Retry-After")),
        )
    if response.status_code != 200:
        raise SourceError(f"{url} answered HTTP {response.status_code}")
    return response.content
