"""`paperbot run`: the configured adapters, the HTTP server and the daily scheduler in one
asyncio loop, until SIGINT or SIGTERM.

Roles split the same code over the Procfile's processes: `worker` runs the scheduler and
receives by long polling / Socket Mode (no public URL); `web` serves Slack events, OAuth
and the Telegram webhook on PORT without the scheduler; `all` (the default) does both.
Exactly one process may run the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.compose import App, Service, services

log = logging.getLogger(__name__)
ROLES = ("all", "worker", "web")


async def run(app: App, *, role: str = "all", stop: asyncio.Event | None = None) -> None:
    """Start every service, wait for a stop signal, stop them in reverse order."""
    import signal

    from core.scoring.llm.lifecycle import warn_about_model

    started_services = services(app, role)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, warn_about_model, app.scoring.scorer)  # one line if the model retires soon
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    started: list[Service] = []
    try:
        for service in started_services:
            await service.start()
            started.append(service)
        log.warning("paperbot is running (%s) with %s", role, ", ".join(type(s).__name__ for s in started))
        await stop.wait()
    finally:
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", type(service).__name__)
