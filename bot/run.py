"""`paperbot run`: every configured adapter in one asyncio loop, until SIGINT or SIGTERM.

The daily scheduler (ingest, score, deliver at each user's local time) joins this loop with
the delivery worker; until then digests are asked for with /digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from core.bootstrap import App
from core.errors import InputError

log = logging.getLogger(__name__)


class Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def configured_services(app: App) -> list[Service]:
    settings = app.settings
    services: list[Service] = []
    if settings.telegram_bot_token is not None and settings.telegram_bot_token.get_secret_value():
        from bot.telegram.adapter import TelegramAdapter

        secret = settings.telegram_webhook_secret
        services.append(TelegramAdapter(
            core=app.commands, token=settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url, sessions=app.sessions,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=secret.get_secret_value() if secret else None, port=settings.port,
        ))  # fmt: skip
    if not services:
        raise InputError("no adapter is configured: set TELEGRAM_BOT_TOKEN (see .env.example)")
    return services


async def run(app: App, *, stop: asyncio.Event | None = None) -> None:
    """Start every service, wait for a stop signal, stop them in reverse order."""
    services = configured_services(app)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    started: list[Service] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
        log.warning("paperbot is running with %s", ", ".join(type(s).__name__ for s in started))
        await stop.wait()
    finally:
        for service in reversed(started):
            await service.stop()
