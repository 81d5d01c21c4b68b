"""Telegram as its users expect it: /start asks for the topics, buttons in a private chat obey
only its user, a group belongs to its admins (issue 14, item 4), all through the fake Bot API."""

from __future__ import annotations

from sqlmodel import select

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from storage.tables import Profile, Rating
from tests import test_telegram as base
from tests.fakes.telegram_server import FakeTelegram
from tests.test_telegram import ADMIN, ALICE, GROUP, MEMBER, button_update, digest_markup, say, send

bot = base.bot


def profiles(app: App) -> list[Profile]:
    with app.sessions() as session:
        return list(session.exec(select(Profile)))


async def test_start_asks_for_topics_and_takes_the_next_message(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    welcome = await say(bot, fake_telegram, ALICE, "/start")
    assert "What should I look for?" in welcome
    prompt = fake_telegram.sent()[-1]
    assert prompt["reply_markup"]["force_reply"] is True
    answer = await say(bot, fake_telegram, ALICE, "sparse autoencoders\nmixture of experts")
    assert "1. sparse autoencoders\n2. mixture of experts" in answer
    assert "arrives every arXiv announcement day at 08:00 (UTC)" in answer and "/time HH:MM" in answer
    assert [p.criteria for p in profiles(app)] == ["sparse autoencoders\nmixture of experts"]
    assert "I understand commands" in await say(bot, fake_telegram, ALICE, "hello again")  # asked once
    assert [p.criteria for p in profiles(app)] == ["sparse autoencoders\nmixture of experts"]


async def test_a_command_instead_of_an_answer_ends_the_question(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    await say(bot, fake_telegram, ALICE, "/start")
    assert "at most 5 papers" in await say(bot, fake_telegram, ALICE, "/top 5")
    assert "I understand commands" in await say(bot, fake_telegram, ALICE, "graph neural networks")
    assert [p.criteria for p in profiles(app)] == [""]


async def test_a_button_pressed_by_someone_else_in_a_private_chat_changes_nothing(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    markup = await digest_markup(bot, fake_telegram, ALICE)
    up = markup["inline_keyboard"][0][0]["callback_data"]
    await send(bot, button_update(ALICE, up, markup, user=5005))  # the same chat, another user
    assert fake_telegram.sent("answerCallbackQuery")[-1]["text"] == "This button is no longer valid."
    with app.sessions() as session:
        assert session.exec(select(Rating)).all() == []
    await send(bot, button_update(ALICE, up, markup))  # the chat's own user
    with app.sessions() as session:
        assert len(session.exec(select(Rating)).all()) == 1


async def test_a_member_who_starts_first_does_not_own_the_group(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    fake_telegram.admins[GROUP] = {ADMIN}
    assert "Only an admin" in await say(bot, fake_telegram, GROUP, "/start", user=MEMBER)
    assert "Only an admin" in await say(bot, fake_telegram, GROUP, "/topics set x", user=MEMBER)
    assert profiles(app) == []
    assert "Welcome" in await say(bot, fake_telegram, GROUP, "/start", user=ADMIN)
    (group,) = profiles(app)
    assert group.owner_id is None
    for command in ("/top 3", "/topics set rl", "/pause"):
        assert "Only an admin" in await say(bot, fake_telegram, GROUP, command, user=MEMBER)
    (group,) = profiles(app)
    assert (group.top_n, group.criteria, group.paused) == (10, "", False)
    assert "at most 3 papers" in await say(bot, fake_telegram, GROUP, "/top 3", user=ADMIN)


async def test_every_member_may_vote_in_a_group(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    fake_telegram.admins[GROUP] = {ADMIN}
    await say(bot, fake_telegram, GROUP, "/start", user=ADMIN)
    await say(bot, fake_telegram, GROUP, "/threshold 1 1", user=ADMIN)
    await say(bot, fake_telegram, GROUP, "/digest 2025-06-03", user=MEMBER)  # anyone may ask
    markup = fake_telegram.sent()[-1]["reply_markup"]
    await send(
        bot, button_update(GROUP, markup["inline_keyboard"][0][0]["callback_data"], markup, user=MEMBER)
    )
    assert fake_telegram.sent("answerCallbackQuery")[-1]["text"] == "👍 saved"
    with app.sessions() as session:
        assert [r.value for r in session.exec(select(Rating))] == [1]
