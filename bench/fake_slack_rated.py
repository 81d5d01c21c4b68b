"""A fast fake Slack Web API for the delivery benchmark, in its own process, enforcing
chat.postMessage's documented limits: about one message per second per channel, and a
workspace-wide limit (Slack publishes no number; `per_workspace` messages per second, 10 by
default, i.e. several hundred a minute). Over a limit it answers 429 with Retry-After, as
Slack does. Channel ids are 'C<workspace>x<n>', so the workspace is read from the channel.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import itertools
import json
import re
import resource
import time
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

PAPER = re.compile(r"arxiv\.org/abs/([\w.\-/]+)")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RatedSlack:
    def __init__(self, per_workspace: float) -> None:
        self.per_workspace = per_workspace
        self.last_in_channel: dict[str, float] = {}
        self.recent: collections.defaultdict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        # (time, channel, first message of a digest, the arXiv ids it carried)
        self.accepted: list[tuple[float, str, bool, tuple[str, ...]]] = []
        self.rejected = 0
        self.ts = itertools.count(1)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        if request.content_type == "application/json":
            args: dict[str, Any] = json.loads(raw or b"{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": "T0", "user_id": "UBOT", "bot_id": "B"})
        if method != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"})
        channel = str(args.get("channel"))
        workspace = channel[1:].split("x", 1)[0]
        now = time.monotonic()
        window = self.recent[workspace]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if now - self.last_in_channel.get(channel, -10.0) < 0.95 or len(window) >= self.per_workspace:
            self.rejected += 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": "1"})  # fmt: skip
        self.last_in_channel[channel] = now
        window.append(now)
        papers = tuple(PAPER.findall(str(args.get("blocks", ""))))
        self.accepted.append((time.time(), channel, not args.get("thread_ts"), papers))
        ts = f"{int(time.time())}.{next(self.ts):06d}"
        return web.json_response({"ok": True, "channel": channel, "ts": ts})


def serve(conn: Connection, per_workspace: float) -> None:
    """Runs until the parent asks for the record (answering "snapshot" with the messages per
    channel so far); gc is off so pauses never bunch requests."""
    gc.disable()
    fake = RatedSlack(per_workspace)

    async def main() -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", fake.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        conn.send(f"http://127.0.0.1:{port}/api/")
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, conn.recv) == "snapshot":  # messages per channel so far
            conn.send(collections.Counter(channel for _, channel, _, _ in fake.accepted))
        conn.send((fake.accepted, fake.rejected, cpu_seconds()))
        await runner.cleanup()

    asyncio.run(main())
