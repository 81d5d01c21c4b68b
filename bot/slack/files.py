"""Files sent to paperbot in Slack: a library to import (BibTeX or a list of arXiv ids).

A file shared in a direct message arrives twice, as a `message` (subtype `file_share`) and as
`file_shared`; each file id is imported once. Its metadata comes from `files.info` and its
content from its private URL, fetched with the bot token, which is only ever sent to Slack's
own hosts (the configured API host, or *.slack.com). Mixed into SlackAdapter.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.proxy import proxy_for
from core.commands.core import MAX_IMPORT_BYTES, Caller, CommandCore, Reply
from core.models import Identity

log = logging.getLogger(__name__)
SEEN_FILES = 1_000  # file ids remembered so a file both events announce is imported once
DOWNLOAD_TIMEOUT = 30.0


class LibraryFiles:
    core: CommandCore
    client: AsyncWebClient

    def user_caller(self, team: str, user: str, name: str = "") -> Caller:
        raise NotImplementedError

    async def _answer(
        self, client: AsyncWebClient, respond: Callable[..., Awaitable[Any]], identity: Identity, reply: Reply
    ) -> None:
        raise NotImplementedError

    _seen_files: OrderedDict[str, None]

    async def on_file_shared(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """`file_shared`: only files shared in a direct message with paperbot are libraries."""
        channel, user, file_id = (
            event.get("channel_id", ""),
            event.get("user_id", ""),
            event.get("file_id", ""),
        )
        if channel.startswith("D") and user and file_id:
            await self.import_files(client, body.get("team_id", ""), user, channel, [file_id])

    async def on_file_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A direct message carrying files (subtype `file_share`)."""
        ids = [f["id"] for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]
        user, channel = event.get("user", ""), event.get("channel", "")
        if ids and user and channel:
            await self.import_files(client, body.get("team_id", ""), user, channel, ids)

    async def import_files(
        self, client: AsyncWebClient, team: str, user: str, channel: str, ids: list[str]
    ) -> None:
        seen = self._seen_files
        caller = self.user_caller(team, user)

        async def say(text: str, **_: Any) -> None:
            await client.chat_postMessage(channel=channel, text=text)

        for file_id in ids:
            if file_id in seen:
                continue
            seen[file_id] = None
            while len(seen) > SEEN_FILES:
                seen.popitem(last=False)
            size, data = 0, None
            try:
                info = (await client.files_info(file=file_id)).get("file") or {}
                size = int(info.get("size") or 0)
                url = str(info.get("url_private_download") or info.get("url_private") or "")
                # a file over the limit is refused by the core without downloading it
                data = await self._download(client, url) if size <= MAX_IMPORT_BYTES else b""
            except (SlackApiError, aiohttp.ClientError, ValueError) as exc:
                log.warning("could not fetch Slack file %s: %s", file_id, exc)  # the core says so
            reply = await asyncio.to_thread(self.core.import_file, caller, data, size=size)
            await self._answer(client, say, caller.identity, reply)

    async def _download(self, client: AsyncWebClient, url: str) -> bytes:
        """A private file's bytes, with the bot token, from Slack's hosts only; at most the limit."""
        host = urlsplit(url).hostname or ""
        api_host = urlsplit(client.base_url).hostname or ""
        if not (host == api_host or host == "slack.com" or host.endswith(".slack.com")):
            raise aiohttp.InvalidURL(f"not a Slack file URL: {host[:60]}")
        headers = {"Authorization": f"Bearer {client.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
        chunks: list[bytes] = []
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, headers=headers, proxy=proxy_for(url)) as response,
        ):
            response.raise_for_status()
            async for chunk in response.content.iter_chunked(64 * 1024):
                chunks.append(chunk)
                if sum(map(len, chunks)) > MAX_IMPORT_BYTES:  # the core refuses it by its length
                    break
        return b"".join(chunks)
