"""Digests out to Slack: the first message with the top papers, the rest in its thread, each
accepted message journaled with the papers it carried (mixed into SlackAdapter)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.buttons import ButtonSigner
from bot.health import Health
from bot.slack.render import SlackMessage, digest_messages
from core.deliver.sender import PlatformDown, Progress, Unreachable
from core.digest.model import Digest
from core.models import Identity

if TYPE_CHECKING:
    from bot.slack.installs import InstallationStore

SENDS_PER_WORKSPACE = 4  # concurrent posts per workspace; 429s are retried by the client
CHANNEL_INTERVAL = 1.0  # seconds between the messages of one digest (one channel)
GONE = {"account_inactive", "channel_not_found", "is_archived", "user_not_found", "cannot_dm_bot",
        "not_in_channel"}  # fmt: skip
# the token itself is refused: in OAuth mode that workspace uninstalled paperbot (its
# recipients are unreachable); with one configured token, Slack refuses the whole bot
TOKEN_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired"}


def subject(workspace: str, platform_id: str) -> str:
    """What a vote button is bound to: the workspace and the profile it was sent to."""
    return f"{workspace}:{platform_id}"


class DigestPoster:
    signer: ButtonSigner
    client: AsyncWebClient
    installations: InstallationStore | None
    health: Health
    _sends: defaultdict[str, asyncio.Semaphore]

    async def _destination(self, client: AsyncWebClient, identity: Identity) -> str:
        if identity.kind == "user":
            opened = await client.conversations_open(users=identity.platform_id)
            return str(opened["channel"]["id"])
        return identity.platform_id

    async def post_digest(
        self, client: AsyncWebClient, identity: Identity, digest: Digest, progress: Progress | None = None
    ) -> list[str]:
        """Post a digest: the first message carries the top papers, the rest go in its thread.
        Message ids are 'channel:ts'; a resumed delivery continues after `progress.done`."""
        progress = progress or Progress()
        bound = subject(identity.workspace, identity.platform_id)
        messages = digest_messages(digest, signer=self.signer, subject=bound)
        slots = self._sends[identity.workspace]  # held per call, never across the channel's pause
        if progress.done:
            channel, thread = progress.done[0].split(":", 1)
        else:
            async with slots:
                channel, thread = await self._destination(client, identity), None
        for n, message in enumerate(messages[progress.skip :]):
            if n:  # Slack allows about one message per second per channel; other channels post meanwhile
                await asyncio.sleep(CHANNEL_INTERVAL)
            async with slots:
                posted = await self._post(client, channel, message, thread)
            thread = thread or posted
            await progress.accepted(f"{channel}:{posted}", message.paper_ids)
        return progress.done

    @staticmethod
    async def _post(client: AsyncWebClient, channel: str, message: SlackMessage, thread: str | None) -> str:
        response = await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread,
            unfurl_links=False, unfurl_media=False,
        )  # fmt: skip
        return str(response["ts"])

    async def deliver(self, identity: Identity, digest: Digest, progress: Progress) -> None:
        """For the delivery worker: a digest to a profile of any installed workspace."""
        client = self.client  # one workspace: the configured token
        if self.installations is not None:  # many: that workspace's installed bot token
            bot = await self.installations.async_find_bot(enterprise_id=None, team_id=identity.workspace)
            if bot is None:
                raise Unreachable(f"paperbot is not installed in Slack workspace {identity.workspace}")
            client = AsyncWebClient(token=bot.bot_token, base_url=self.client.base_url,
                                    retry_handlers=self.client.retry_handlers)  # fmt: skip
            client.proxy = self.client.proxy
        try:
            await self.post_digest(client, identity, digest, progress)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in GONE or (error in TOKEN_REFUSED and self.installations is not None):
                raise Unreachable(f"Slack: {error}") from exc
            if error in TOKEN_REFUSED:  # one configured token: the bot is down, not the user
                self.health.failing(f"Slack refused the bot token ({error})")
                raise PlatformDown(f"Slack refused the bot token ({error})") from exc
            raise
        self.health.recovered()
