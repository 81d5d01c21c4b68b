"""The Telegram adapter with the real python-telegram-bot Application against a fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from core.deliver.sender import Unreachable
from storage.tables import Profile, Rating
from tests.conftest import DAY
from tests.fakes.telegram_server import FakeTelegram, parse_html

ALICE, GROUP, ADMIN, MEMBER = 1001, -2002, 3003, 4004
_ids = itertools.count(1)


@pytest.fixture
async def bot(app: App, fake_telegram: FakeTelegram, listing_path: Path) -> AsyncIterator[TelegramAdapter]:
    app.ingestor.ingest_file(listing_path, day=DAY)
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url)
    await adapter.app.initialize()
    yield adapter
    await adapter.app.shutdown()


def message_update(chat: int, text: str, user: int | None = None) -> dict[str, Any]:
    sender = user or chat
    command = text.split()[0] if text.startswith("/") else ""
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat, "type": "private"}
            if chat > 0
            else {"id": chat, "type": "group", "title": "Lab"},
            "from": {"id": sender, "is_bot": False, "first_name": "Ann"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else [],
        },
    }


def button_update(chat: int, data: str, markup: dict[str, Any], user: int | None = None) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "chat_instance": "ci",
            "data": data,
            "from": {"id": user or chat, "is_bot": False, "first_name": "Ann"},
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "text": "digest",
                "reply_markup": markup,
                "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": "Lab"},
            },
        },
    }


async def wait_for_reply(fake: FakeTelegram, seconds: float = 4.0) -> None:
    """Until the bot has sent something (it answers updates it fetched itself)."""
    for _ in range(int(seconds / 0.02)):
        if fake.sent():
            return
        await asyncio.sleep(0.02)


async def send(bot: TelegramAdapter, update: dict[str, Any]) -> None:
    await bot.app.process_update(Update.de_json(update, bot.app.bot))


async def say(bot: TelegramAdapter, fake: FakeTelegram, chat: int, text: str, user: int | None = None) -> str:
    before = len(fake.sent())
    await send(bot, message_update(chat, text, user))
    return "\n".join(parse_html(m["text"])[0] for m in fake.sent()[before:])  # as the user sees it


async def test_command_transcript(bot: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    assert "Welcome to paperbot! /help lists" in await say(bot, fake_telegram, ALICE, "/topics")
    assert "What should I look for?" in await say(bot, fake_telegram, ALICE, "/start")
    assert "1. sparse autoencoders" in await say(bot, fake_telegram, ALICE, "/topics set sparse autoencoders")
    assert "Unknown command /nope; send /help" in await say(bot, fake_telegram, ALICE, "/nope")
    assert "/threshold <relevance> <novelty>" in await say(bot, fake_telegram, ALICE, "/help")
    assert "Give two numbers" in await say(bot, fake_telegram, ALICE, "/threshold 7")
    assert "Unknown time zone" in await say(bot, fake_telegram, ALICE, "/tz Mars/Base")
    assert "I understand commands" in await say(bot, fake_telegram, ALICE, "hello")
    huge = await say(bot, fake_telegram, ALICE, "/topics set " + "x" * 5000)
    assert "too long" in huge
    assert fake_telegram.rejected == []


async def digest_markup(bot: TelegramAdapter, fake: FakeTelegram, chat: int) -> dict[str, Any]:
    await say(bot, fake, chat, "/start")
    await say(bot, fake, chat, "/threshold 1 1")
    await say(bot, fake, chat, "/digest 2025-06-03")
    return fake.sent()[-1]["reply_markup"]


async def test_digest_has_html_and_vote_buttons(bot: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    markup = await digest_markup(bot, fake_telegram, ALICE)
    message = fake_telegram.sent()[-1]
    assert message["parse_mode"] == "HTML" and parse_html(message["text"])[0].startswith(
        "paperbot · 2025-06-03"
    )
    assert len(markup["inline_keyboard"]) == 10
    assert [b["text"] for b in markup["inline_keyboard"][0]] == ["👍 1", "👎 1"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in markup["inline_keyboard"] for b in row)
    assert fake_telegram.rejected == []


async def test_long_digests_split_between_papers(bot: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    await say(bot, fake_telegram, ALICE, "/start")
    await say(bot, fake_telegram, ALICE, "/threshold 1 1")
    await say(bot, fake_telegram, ALICE, "/top 40")
    before = len(fake_telegram.sent())
    await send(bot, message_update(ALICE, "/digest 2025-06-03"))
    parts = fake_telegram.sent()[before:]
    assert len(parts) >= 2 and fake_telegram.rejected == []
    rows = sum(len(p["reply_markup"]["inline_keyboard"]) for p in parts)
    assert rows == 40
    assert parts[1]["text"].split(". ", 1)[0].isdigit()  # a continuation starts with a paper


async def test_vote_and_changed_vote(bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App) -> None:
    markup = await digest_markup(bot, fake_telegram, ALICE)
    up, down = (b["callback_data"] for b in markup["inline_keyboard"][0])
    paper_id = up[1:].split("|")[0]
    await send(bot, button_update(ALICE, up, markup))
    assert fake_telegram.sent("answerCallbackQuery")[-1]["text"] == "👍 saved"
    edited = fake_telegram.sent("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in edited] == ["✅ 👍 1", "👎 1"]
    await send(bot, button_update(ALICE, down, {"inline_keyboard": [edited]}))
    edited = fake_telegram.sent("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in edited] == ["👍 1", "✅ 👎 1"]
    rows = [edited, *markup["inline_keyboard"][1:]]
    await send(bot, button_update(ALICE, rows[1][0]["callback_data"], {"inline_keyboard": rows}))
    both = fake_telegram.sent("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in both[:3]] == [
        ["👍 1", "✅ 👎 1"],
        ["✅ 👍 2", "👎 2"],
        ["👍 3", "👎 3"],
    ]
    with app.sessions() as session:
        votes = dict(session.exec(select(Rating.paper_id, Rating.value)).all())
    assert votes[paper_id] == -1 and sorted(votes.values()) == [-1, 1]


async def test_tampered_and_transplanted_buttons_change_nothing(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    markup = await digest_markup(bot, fake_telegram, ALICE)
    up = markup["inline_keyboard"][0][0]["callback_data"]
    other = markup["inline_keyboard"][1][0]["callback_data"].split("|")[0][1:]
    await send(bot, button_update(ALICE, f"+{other}|{up.split('|')[1]}", markup))  # another paper
    await send(bot, button_update(ALICE, "-" + up[1:], markup))  # the other vote
    await say(bot, fake_telegram, 5005, "/start")
    await send(bot, button_update(5005, up, markup))  # a button from another chat
    answers = [a["text"] for a in fake_telegram.sent("answerCallbackQuery")]
    assert answers == ["This button is no longer valid."] * 3
    with app.sessions() as session:
        assert session.exec(select(Rating)).all() == []


async def test_a_chat_that_blocked_the_bot_raises_unreachable_and_the_adapter_writes_nothing(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    """The adapter only translates: marking the profile inactive (and /start bringing it back)
    is delivery's job, for every platform alike (tests/test_unreachable.py)."""
    await digest_markup(bot, fake_telegram, ALICE)
    fake_telegram.blocked.add(ALICE)
    digest = await asyncio.to_thread(_digest, app)
    with pytest.raises(Unreachable, match="blocked the bot"):
        await bot.send_digest(ALICE, digest)
    assert _profile(app, ALICE).active


async def test_flood_limit_is_waited_out(bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App) -> None:
    await digest_markup(bot, fake_telegram, ALICE)
    fake_telegram.flood = [1]
    before = len(fake_telegram.sent())
    started = time.monotonic()
    ids = await bot.send_digest(ALICE, await asyncio.to_thread(_digest, app))
    assert len(ids) == 1 and time.monotonic() - started >= 1
    assert len(fake_telegram.sent()) - before == 2  # refused once with 429, then delivered
    assert fake_telegram.rejected[-1] == ("sendMessage", "Too Many Requests: retry after 1")


async def test_only_group_admins_change_the_group(bot: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    fake_telegram.admins[GROUP] = {ADMIN}
    assert "Welcome" in await say(bot, fake_telegram, GROUP, "/start", user=ADMIN)
    assert "Only an admin" in await say(bot, fake_telegram, GROUP, "/top 3", user=MEMBER)
    assert "at most 3 papers" in await say(bot, fake_telegram, GROUP, "/top 3", user=ADMIN)
    assert "at most 3 papers" in await say(bot, fake_telegram, GROUP, "/top", user=MEMBER)


async def test_stats_photo_and_export_document(bot: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    markup = await digest_markup(bot, fake_telegram, ALICE)
    await send(bot, button_update(ALICE, markup["inline_keyboard"][0][0]["callback_data"], markup))
    await send(bot, message_update(ALICE, "/stats"))
    photo = fake_telegram.sent("sendPhoto")[-1]
    assert photo["photo"].startswith(b"\x89PNG") and "1 👍" in photo["caption"]
    await send(bot, message_update(ALICE, "/export"))
    assert fake_telegram.sent("sendDocument")[-1]["document"].startswith(b"@misc{arXiv:")


async def test_polling_and_command_menu(app: App, fake_telegram: FakeTelegram) -> None:
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url)
    fake_telegram.updates.append(message_update(ALICE, "/start"))
    await adapter.start()
    try:
        await wait_for_reply(fake_telegram)
    finally:
        await adapter.stop()
    assert "Welcome to paperbot" in fake_telegram.sent()[0]["text"]
    menu = fake_telegram.sent("setMyCommands")[0]["commands"]
    assert {"command": "digest", "description": "the digest of a day"} in menu


def _digest(app: App):  # type: ignore[no-untyped-def]
    from core.models import Identity
    from storage import profiles

    with app.sessions() as session, session.begin():
        view = profiles.find(session, Identity("telegram", str(ALICE)))
        assert view is not None
        return app.builder.build(session, view, DAY)


def _profile(app: App, chat: int) -> Profile:
    with app.sessions() as session:
        return session.exec(select(Profile).where(Profile.platform_id == str(chat))).one()


async def test_webhook_mode_refuses_requests_without_the_secret(
    app: App, fake_telegram: FakeTelegram
) -> None:
    import json
    import urllib.error
    import urllib.request

    from bot.web import WebServer

    web = WebServer(port=0, host="127.0.0.1")
    adapter = TelegramAdapter(
        core=app.commands,
        token=fake_telegram.token,
        base_url=fake_telegram.base_url,
        webhook_url="https://bot.example/telegram",
        webhook_secret="s3cret",
        web=web,
    )
    await adapter.start()
    await web.start()
    port = web.port

    def post(secret: str | None) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/telegram",
            method="POST",
            data=json.dumps(message_update(ALICE, "/start")).encode(),
            headers={"Content-Type": "application/json"},
        )
        if secret:
            request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        assert await asyncio.to_thread(post, None) == 403
        assert await asyncio.to_thread(post, "wrong") == 403
        assert fake_telegram.sent() == []
        assert await asyncio.to_thread(post, "s3cret") == 200
        await wait_for_reply(fake_telegram)
    finally:
        await web.stop()
        await adapter.stop()
    hook = fake_telegram.sent("setWebhook")[0]
    assert hook["url"] == "https://bot.example/telegram" and hook["secret_token"] == "s3cret"
    assert "Welcome to paperbot" in fake_telegram.sent()[0]["text"]


async def test_paperbot_run_starts_the_configured_adapter(settings, fake_telegram: FakeTelegram) -> None:  # type: ignore[no-untyped-def]
    from pydantic import SecretStr

    from bot.compose import build_app
    from bot.run import run

    app = build_app(
        settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(fake_telegram.token),
                "telegram_api_base_url": fake_telegram.base_url,
                "port": 0,  # should anything bind, any free port, never the caller's 8000
            }
        )
    )
    fake_telegram.updates.append(message_update(ALICE, "/start"))
    stop = asyncio.Event()
    task = asyncio.create_task(run(app, stop=stop))
    await wait_for_reply(fake_telegram)
    stop.set()
    await task
    assert "Welcome to paperbot" in fake_telegram.sent()[0]["text"]
    app.engine.dispose()


def test_paperbot_run_without_adapters_is_one_line(env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    assert main(["run"]) == 2
    assert capsys.readouterr().err == (
        "paperbot: error: no adapter is configured: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN and "
        "SLACK_SIGNING_SECRET (see .env.example)\n"
    )
