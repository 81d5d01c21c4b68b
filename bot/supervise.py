"""Start a process's services independently and keep their health on record.

Each adapter, the web server and the scheduler starts in its own task: a start that fails or
hangs (a rejected Slack token, an unreachable API) is reported in one line, undone, and
retried in the background with backoff, while the others run. So Telegram users get their
digests while Slack is failing, and a stop never waits on a start that cannot finish.
`HealthBoard` writes every service's state to the database for `paperbot status`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.health import RETRYING, STOPPED, UP, Health, describe
from storage import health as health_store

log = logging.getLogger(__name__)
KEEP_ROWS = dt.timedelta(days=1)  # rows no process refreshed for this long are forgotten


class Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def process_name(role: str) -> str:
    return f"{role}@{socket.gethostname()[:80]}:{os.getpid()}"


def service_name(service: object) -> str:
    named = getattr(service, "health", None)
    if isinstance(named, Health):
        return named.service
    kind = type(service).__name__
    return {"WebServer": "web", "Scheduler": "scheduler"}.get(kind, kind.removesuffix("Adapter").lower())


class HealthBoard:
    """Writes the tracked services' health for this process: at once on a change, and every
    `refresh_seconds` so a reader can tell a live process from one that died."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        process: str,
        *,
        refresh_seconds: float = 15.0,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.sessions = sessions
        self.process = process
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self.services: list[Health] = []
        self._wake = asyncio.Event()
        self._broken = False
        self._closing = False

    def track(self, health: Health) -> None:
        self.services.append(health)
        health.changed = self._wake.set

    def _write(self, prune: bool) -> None:
        now = self.clock()
        with self.sessions() as session, session.begin():
            if prune:
                health_store.prune(session, before=now - KEEP_ROWS)
            health_store.write(session, self.process, [h.snapshot() for h in self.services], now=now)

    async def write(self, *, prune: bool = False) -> None:
        """One write; a database that fails is reported once, and the next write tries again."""
        try:
            await asyncio.to_thread(self._write, prune)
            self._broken = False
        except Exception as exc:
            if not self._broken:
                log.warning("could not record service health: %s", describe(exc))
            self._broken = True

    async def run(self) -> None:
        """Until `close`: a write on every change and every `refresh_seconds`; the last one
        after `close` records the final states. (Not ended by cancellation: Python 3.11's
        wait_for can swallow a cancel that meets a wake-up.)"""
        await self.write(prune=True)
        while not self._closing:
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self.refresh_seconds)
            finally:
                waiter.cancel()
            await self.write()

    def close(self) -> None:
        self._closing = True
        self._wake.set()


@dataclass
class Supervised:
    service: Service
    health: Health
    attempted: bool = False  # a start ran (maybe half way): stop() must undo it


class Supervisor:
    """Starts every service on its own; `stop` stops them all within `stop_seconds` each."""

    def __init__(
        self,
        services: Sequence[Service],
        *,
        board: HealthBoard | None = None,
        start_timeout: float = 30.0,
        first_retry: float = 5.0,
        max_retry: float = 300.0,
        stop_seconds: float = 2.0,
    ) -> None:
        self.entries = []
        for service in services:
            health = getattr(service, "health", None)
            if not isinstance(health, Health):
                health = Health(service_name(service))
            self.entries.append(Supervised(service, health))
            if board is not None:
                board.track(health)
        self.start_timeout, self.first_retry, self.max_retry = start_timeout, first_retry, max_retry
        self.stop_seconds = stop_seconds
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._keep_starting(e)) for e in self.entries]

    async def _keep_starting(self, entry: Supervised) -> None:
        name, delay = entry.health.service, self.first_retry
        while True:
            entry.attempted = True
            try:
                await asyncio.wait_for(entry.service.start(), self.start_timeout)
            except Exception as exc:  # reported, undone, retried; the others carry on
                reason = describe(exc)
                await self._undo(entry)
                again = _utc_now() + dt.timedelta(seconds=delay)
                entry.health.set(RETRYING, f"{reason}; next try at {again:%H:%M:%S} UTC")
                log.error("%s could not start: %s; retrying in %g s", name, reason, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry)
                continue
            entry.health.set(UP)
            log.warning("%s started", name)
            return

    async def _undo(self, entry: Supervised) -> None:
        began = asyncio.get_running_loop().time()
        try:
            await asyncio.wait_for(entry.service.stop(), self.stop_seconds)
        except Exception as exc:
            log.warning("stopping %s failed: %s", entry.health.service, describe(exc))
        log.info("%s stopped in %.2f s", entry.health.service, asyncio.get_running_loop().time() - began)

    async def stop(self) -> None:
        """Cancel starts still under way, then stop the services in reverse order."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for entry in reversed(self.entries):
            if entry.attempted:
                await self._undo(entry)
            entry.health.set(STOPPED)
