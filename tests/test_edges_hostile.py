"""Hostile requests at the chat edges: malformed webhook bodies and Slack timestamps are 4xx,
an edited Telegram message does not run its command again, re-subscribing un-pauses."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp
from sqlmodel import select
from telegram import Update

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from bot.web import WebServer
from storage.tables import Profile
from tests.fakes.telegram_server import FakeTelegram
from tests.test_slack import Slack, fake_slack, slack  # noqa: F401  (fixtures)
from tests.test_telegram import ALICE, bot, message_update, say  # noqa: F401  (fixtures)


def _post(port: int, body: bytes, secret: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        method="POST",
        data=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def test_telegram_webhook_answers_4xx_to_bodies_that_are_not_updates(
    app: App,
    fake_telegram: FakeTelegram,
) -> None:
    web = WebServer(port=0, host="127.0.0.1")
    adapter = TelegramAdapter(
        core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
        webhook_url="https://bot.example/telegram", webhook_secret="s3cret", web=web,
    )  # fmt: skip
    await adapter.start()
    await web.start()
    try:
        for body in (b"[]", b'"x"', b"{}", b"null", b'{"update_id": "1"}', b"{not json"):
            assert 400 <= await asyncio.to_thread(_post, web.port, body, "s3cret") < 500, body
        valid = json.dumps(message_update(ALICE, "/start")).encode()
        assert await asyncio.to_thread(_post, web.port, valid, "s3cret") == 200
    finally:
        await adapter.stop()
        await web.stop()


async def test_an_edited_message_does_not_run_its_command_again(
    bot: TelegramAdapter,  # noqa: F811
    fake_telegram: FakeTelegram,
    app: App,
) -> None:
    await say(bot, fake_telegram, ALICE, "/start")
    await say(bot, fake_telegram, ALICE, "/top 7")
    before = len(fake_telegram.sent())
    edited: dict[str, Any] = message_update(ALICE, "/top 3")
    original = edited.pop("message")
    edited["edited_message"] = dict(original, edit_date=original["date"] + 5)
    await bot.app.process_update(Update.de_json(edited, bot.app.bot))
    with app.sessions() as session:
        assert [p.top_n for p in session.exec(select(Profile))] == [7]
    assert len(fake_telegram.sent()) == before


async def test_slack_timestamp_that_is_not_a_number_is_refused(slack: Slack) -> None:  # noqa: F811
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "abc",
               "X-Slack-Signature": "v0=" + "0" * 64}  # fmt: skip
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            slack.url + "/slack/events", data="command=/paperbot&text=start", headers=headers
        ) as response,
    ):
        assert 400 <= response.status < 500
    assert slack.rows(Profile) == []


async def test_subscribe_after_unsubscribe_resumes_the_channel(slack: Slack) -> None:  # noqa: F811
    where = {"user": "UADMIN", "channel": "C1"}
    await slack.say("subscribe", **where)
    assert "Digests paused" in await slack.say("unsubscribe", **where)
    assert [p.paused for p in slack.rows(Profile)] == [True]
    assert "Digests resumed" in await slack.say("subscribe", **where)
    assert [p.paused for p in slack.rows(Profile)] == [False]
