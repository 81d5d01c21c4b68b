"""Each service's health in a running process (connected, retrying, failing, and why), kept
in memory by the supervisor and the adapters; bot/supervise.py writes it to the database for
`paperbot status`. Adapters may import this module: it holds no storage."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.logs import redact
from core.models import ServiceState

log = logging.getLogger(__name__)
STARTING, UP, RETRYING, FAILING, STOPPED = "starting", "up", "retrying", "failing", "stopped"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def describe(exc: BaseException) -> str:
    """One line, no secret, bounded: what an operator needs to know about a failure."""
    if isinstance(exc, TimeoutError):
        return "did not finish starting in time (hung)"
    text = " ".join(str(exc).split())
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:240]


class Health:
    """One service's state. Adapters call `failing` when the platform refuses the process
    itself (a rejected token) and `recovered` when a call succeeds again."""

    def __init__(self, service: str, *, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.service = service
        self.clock = clock
        self.state, self.detail, self.since = STARTING, "", clock()
        self.changed: Callable[[], None] | None = None

    def set(self, state: str, detail: str = "") -> None:
        detail = redact(" ".join(detail.split()))[:300]
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail, self.since = state, detail, self.clock()
        if self.changed is not None:
            self.changed()

    def failing(self, reason: str) -> None:
        if self.state != FAILING:
            log.error("%s is failing: %s", self.service, redact(reason))
        self.set(FAILING, reason)

    def recovered(self) -> None:
        """A call went through: a `failing` service is up again (a start still retrying stays so)."""
        if self.state == FAILING:
            log.warning("%s works again", self.service)
            self.set(UP)

    def snapshot(self) -> ServiceState:
        return ServiceState(self.service, self.state, self.detail, self.since)
