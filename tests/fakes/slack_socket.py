"""A loopback Socket Mode endpoint: what slack_sdk's Socket Mode client connects to after
`apps.connections.open`. It greets with `hello`, lets the test push envelopes (slash commands,
interactions, events) as Slack does, and records the client's acknowledgements."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self.url = ""
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/link"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        assert self._runner is not None
        await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        self.connections += 1
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                                "connection_info": {"app_id": "A1"}})  # fmt: skip
        self._connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return socket

    async def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Sends one envelope (`slash_commands`, `interactive` or `events_api`); its id."""
        await asyncio.wait_for(self._connected.wait(), 5)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        await self._socket.send_json({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": "",
        })  # fmt: skip
        return envelope_id

    async def ack(self, envelope_id: str, seconds: float = 5.0) -> dict[str, Any]:
        async def arrived() -> dict[str, Any]:
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                await asyncio.sleep(0.02)

        return await asyncio.wait_for(arrived(), seconds)
