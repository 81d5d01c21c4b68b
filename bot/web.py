"""The one HTTP server of a process: Slack events and OAuth, the Telegram webhook, a health
check, all on `PORT` so a platform's single public port serves every adapter."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebServer:
    def __init__(self, port: int, host: str = "0.0.0.0") -> None:
        self.port = port
        self.host = host
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self._runner: web.AppRunner | None = None

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.app.router.add_route(method, path, handler)

    @property
    def has_routes(self) -> bool:
        """Whether an adapter registered an endpoint, so the port must be bound. Counted by
        path, not by route: aiohttp adds HEAD beside every GET, the health check's too."""
        return any(r.canonical != "/healthz" for r in self.app.router.resources())

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]  # the real one when port 0 asked for any free port
        log.warning("HTTP server listening on port %s", self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    async def _health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")
