"""`paperbot run`: the configured adapters, the HTTP server and the daily scheduler in one
asyncio loop, until SIGINT or SIGTERM.

Roles split the same code over the Procfile's processes: `worker` runs the scheduler and
receives by long polling / Socket Mode (no public URL); `web` serves Slack events, OAuth
and the Telegram webhook on PORT without the scheduler; `all` (the default) does both.
Exactly one process may run the scheduler.

Every service starts on its own (bot/supervise.py): one that fails or hangs is reported and
retried in the background, never holding up the others. A stop signal stops the process
within seconds whatever is stuck: the services get `STOP_SECONDS` each, and a watchdog ends
the process if the loop has not finished `EXIT_SECONDS` after the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import os
import sys
import threading

from bot.compose import App, services
from bot.supervise import HealthBoard, Supervisor, process_name, service_name

log = logging.getLogger(__name__)
ROLES = ("all", "worker", "web")
STOP_SECONDS = 2.0
EXIT_SECONDS = 8.0


def _hard_exit() -> None:
    """The last resort after a stop signal: something (a thread in a blocking call) holds
    the process; what it was writing is safe in the database's transactions, as after a kill."""
    log.error("paperbot did not stop within %.0f s of the signal; exiting now", EXIT_SECONDS)
    if log.isEnabledFor(logging.INFO):  # -v: what held it up
        faulthandler.dump_traceback(all_threads=True)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(1)


def _on_signal(stop: asyncio.Event) -> None:
    if stop.is_set():  # a second signal: the operator means it
        _hard_exit()
    stop.set()
    watchdog = threading.Timer(EXIT_SECONDS, _hard_exit)
    watchdog.daemon = True
    watchdog.start()


async def run(app: App, *, role: str = "all", stop: asyncio.Event | None = None) -> None:
    """Start every service independently, wait for a stop signal, stop them in reverse order."""
    import signal

    from core.scoring.llm.lifecycle import warn_about_model

    settings = app.settings
    ours = asyncio.all_tasks()  # the caller's tasks: never cancelled here
    built = services(app, role)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, warn_about_model, app.scoring.scorer)  # one line if the model retires soon
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, _on_signal, stop)
    board = HealthBoard(app.sessions, process_name(role), refresh_seconds=settings.health_refresh_seconds)
    supervisor = Supervisor(
        built, board=board, start_timeout=settings.start_timeout_seconds,
        first_retry=settings.start_retry_seconds, max_retry=settings.start_retry_max_seconds,
        stop_seconds=STOP_SECONDS,
    )  # fmt: skip
    recording = asyncio.create_task(board.run())
    supervisor.start()
    log.warning("paperbot is running (%s) with %s", role, ", ".join(service_name(s) for s in built))
    try:
        await stop.wait()
    finally:
        await supervisor.stop()
        board.close()  # its last write records every service as stopped, for status
        _, late = await asyncio.wait({recording}, timeout=STOP_SECONDS)
        for task in late:
            task.cancel()
        await _end_tasks_since(ours)


async def _end_tasks_since(before: set[asyncio.Task[object]]) -> None:
    """Cancel what the services left running (a tick in flight, a library's background task),
    so the loop can close; what does not end within `STOP_SECONDS` is named in the log."""
    others = [t for t in asyncio.all_tasks() if t not in before and t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    if others:
        _, pending = await asyncio.wait(others, timeout=STOP_SECONDS)
        for task in pending:
            log.warning("a task did not stop: %s", task.get_coro())
