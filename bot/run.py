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
import datetime as dt
import logging
from typing import Protocol

from core.bootstrap import App
from core.deliver.sender import Sender
from core.errors import InputError

log = logging.getLogger(__name__)
ROLES = ("all", "worker", "web")


class Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _secret(value: object) -> str | None:
    text = value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]
    return text or None


def configured_services(app: App, role: str = "all") -> list[Service]:
    """Adapters first (they must be up before the scheduler sends), the web server, then
    the scheduler. In `worker` role, adapters whose updates arrive over HTTP only send."""
    from bot.web import WebServer

    settings = app.settings
    web = WebServer(settings.port)
    serve_http, schedule = role in {"all", "web"}, role in {"all", "worker"}
    services: list[Service] = []
    senders: dict[str, Sender] = {}
    if token := _secret(settings.telegram_bot_token):
        from bot.telegram.adapter import TelegramAdapter

        webhook = settings.telegram_webhook_url
        telegram = TelegramAdapter(
            core=app.commands, token=token, base_url=settings.telegram_api_base_url, sessions=app.sessions,
            webhook_url=webhook, webhook_secret=_secret(settings.telegram_webhook_secret), web=web,
            receive=serve_http if webhook else schedule,
        )  # fmt: skip
        services.append(telegram)
        senders["telegram"] = telegram
    slack_secret = _secret(settings.slack_signing_secret)
    slack_token, client_secret = _secret(settings.slack_bot_token), _secret(settings.slack_client_secret)
    if slack_secret and (slack_token or (settings.slack_client_id and client_secret)):
        from bot.slack.adapter import OAuthConfig, SlackAdapter

        app_token = _secret(settings.slack_app_token)
        oauth = None
        if settings.slack_client_id and client_secret and not app_token:
            oauth = OAuthConfig(settings.slack_client_id, client_secret, app.engine)
        slack = SlackAdapter(
            core=app.commands, signing_secret=slack_secret, base_url=settings.slack_api_base_url,
            token=slack_token, app_token=app_token, oauth=oauth, web=web,
            receive=schedule if app_token else serve_http,
        )  # fmt: skip
        services.append(slack)
        senders["slack"] = slack
    if not services:
        raise InputError(
            "no adapter is configured: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
            "(see .env.example)"
        )
    if serve_http and web.has_routes:
        services.append(web)
    if schedule:
        from bot.worker import Scheduler
        from core.deliver.worker import DeliveryWorker

        worker = DeliveryWorker(
            sessions=app.sessions, builder=app.builder, senders=senders,
            concurrency=settings.delivery_concurrency, max_attempts=settings.delivery_max_attempts,
            retry_after=dt.timedelta(minutes=settings.delivery_retry_minutes),
        )  # fmt: skip
        services.append(Scheduler(app, worker))
    return services


async def run(app: App, *, role: str = "all", stop: asyncio.Event | None = None) -> None:
    """Start every service, wait for a stop signal, stop them in reverse order."""
    import signal

    from core.scoring.llm.lifecycle import warn_about_model

    services = configured_services(app, role)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, warn_about_model, app.scoring.scorer)  # one line if the model retires soon
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    started: list[Service] = []
    try:
        for service in services:
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
