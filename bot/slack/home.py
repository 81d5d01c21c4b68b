"""App Home, its *Edit topics* modal and direct messages: where a Slack user talks to paperbot
as a person rather than through `/paperbot` (mixed into SlackAdapter, which registers them)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.questions import OpenQuestions
from bot.slack.modal import edit_view, submitted
from bot.slack.render import home_view
from core.commands.core import Caller, CommandCore, Reply
from core.digest.model import Digest
from core.models import Identity

HOME_COMMANDS = {"start", "digest", "pause", "resume"}  # button values that name a command


def _split(text: str) -> tuple[str, str]:
    """The first word and the rest, split at any white space (a newline too)."""
    parts = text.split(maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text.strip(), "")


class HomeAndMessages:
    core: CommandCore
    _expecting: OpenQuestions[tuple[str, str]]  # (team, user) → the command their next DM answers

    def user_caller(self, team: str, user: str, name: str = "") -> Caller:
        raise NotImplementedError

    async def on_file_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        raise NotImplementedError

    async def post_digest(self, client: AsyncWebClient, identity: Identity, digest: Digest) -> list[str]:
        raise NotImplementedError

    async def _answer(
        self, client: AsyncWebClient, respond: Callable[..., Awaitable[Any]], identity: Identity, reply: Reply
    ) -> None:
        raise NotImplementedError

    async def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") == "home":
            await self.publish_home(client, self.user_caller(body["team_id"], event["user"]).identity)

    async def publish_home(self, client: AsyncWebClient, identity: Identity) -> None:
        overview = await asyncio.to_thread(self.core.overview, identity)
        day = overview.latest_day.isoformat() if overview.latest_day else None
        view = home_view(overview.profile, overview.latest[:15], day)
        await client.views_publish(user_id=identity.platform_id, view=view)

    async def on_home_action(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        value = body["actions"][0].get("value", "")
        if value == "edit":
            await self.open_editor(client, team, user, str(body.get("trigger_id", "")))
            return
        if value in HOME_COMMANDS:
            name, args = value, ""
        elif top := re.fullmatch(r"top (\d{1,2})", value):
            name, args = "top", top.group(1)
        else:
            return
        caller = self.user_caller(team, user, body["user"].get("name", ""))
        identity = caller.identity
        reply = await asyncio.to_thread(self.core.invoke, caller, name, args)
        if reply.digest is not None:
            await self.post_digest(client, identity, reply.digest)
        await self.publish_home(client, identity)

    async def open_editor(self, client: AsyncWebClient, team: str, user: str, trigger: str) -> None:
        """*Edit topics*: the whole profile in a modal (a first press creates the profile)."""
        caller = self.user_caller(team, user)
        form = await asyncio.to_thread(self.core.form, caller.identity)
        if form is None:
            await asyncio.to_thread(self.core.invoke, caller, "start")
            form = await asyncio.to_thread(self.core.form, caller.identity)
        if form is not None:
            await client.views_open(trigger_id=trigger, view=edit_view(form))

    async def on_profile_submitted(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The modal's Save: checked like the commands; errors shown under their fields."""
        team, user = body["team"]["id"], body["user"]["id"]
        caller = self.user_caller(team, user, body["user"].get("name", ""))
        errors = await asyncio.to_thread(self.core.edit, caller, submitted(body["view"]))
        if errors:
            await ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})
            return
        await ack()
        await self.publish_home(client, caller.identity)

    # --- direct messages: a DM is a command without `/paperbot` --------------------------------

    async def on_direct_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if (
            event.get("channel_type") == "im"
            and event.get("subtype") == "file_share"
            and not event.get("bot_id")
        ):
            await self.on_file_message(event, body, client)  # a library sent as a file (files.py)
            return
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # the bot's own posts, edits and joins are no commands
        team, user, channel = body.get("team_id", ""), event.get("user", ""), event.get("channel", "")
        # a message's text arrives escaped (&amp; &lt; &gt;); its line breaks are kept: topics
        # sent as a DM are paragraphs, unlike a slash command's single line
        text = (event.get("text") or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        text = text.strip()
        if not (team and user and channel and text):
            return
        word, rest = _split(text.lstrip("/"))
        if word.lower() == "paperbot":  # `/paperbot topics` typed into a DM
            word, rest = _split(rest)
        caller = self.user_caller(team, user)
        expected = self._expecting.answer((team, user))
        if expected is not None and "/" + word.lower() not in self.core.commands:
            name, _, verb = expected.partition(" ")  # the answer to the question we asked
            word, rest = name, f"{verb} {text}"
        reply = await asyncio.to_thread(self.core.invoke, caller, word or "help", rest)
        if reply.expects:
            self._expecting.ask((team, user), reply.expects)

        async def say(text: str, **_: Any) -> None:
            await client.chat_postMessage(channel=channel, text=text)

        if reply.digest is not None:
            await self.post_digest(client, caller.identity, reply.digest)
            return
        await self._answer(client, say, caller.identity, reply)
