"""One hostile paper must not break a digest: Telegram's and Slack's limits hold whatever a
stored paper carries (papers stored before ingest validated them included)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.buttons import ButtonSigner
from bot.compose import App
from bot.slack.render import MAX_BLOCKS, MAX_SECTION, link
from bot.slack.render import digest_messages as slack_messages
from bot.telegram.adapter import TelegramAdapter
from core.digest.model import Digest, Entry
from core.models import Listed, Paper, PaperScore
from storage import papers as store
from tests.conftest import DAY
from tests.fakes.telegram_server import FakeTelegram, parse_html
from tests.test_telegram import message_update, say, send

ALICE = 1001
CS = ("cs.LG",)
HOSTILE = [
    Paper(id="2506.99991", title="&" * 5000, authors=("<b>", "&" * 3000), abstract="x " * 50, categories=CS),
    Paper(id="2506.99992", title="<i>" * 2000 + "unclosed", authors=("A",), abstract="y", categories=CS),
    Paper(
        id="2506.9999" + "9" * 50,
        title="An id too long for a button",
        authors=("B",),
        abstract="z",
        categories=CS,
    ),
]


@pytest.fixture
async def bot(app: App, fake_telegram: FakeTelegram, listing_path: Path) -> AsyncIterator[TelegramAdapter]:
    app.ingestor.ingest_file(listing_path, day=DAY)
    with app.sessions() as session, session.begin():
        store.save_day(session, day=DAY, entries=[Listed(p) for p in HOSTILE], categories=[], source="file")
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url)
    await adapter.app.initialize()
    yield adapter
    await adapter.app.shutdown()


async def test_hostile_papers_arrive_in_valid_messages(
    bot: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await say(bot, fake_telegram, ALICE, "/start")
    await say(bot, fake_telegram, ALICE, "/threshold 1 1")
    await say(bot, fake_telegram, ALICE, "/top 50")
    before = len(fake_telegram.sent())
    await send(bot, message_update(ALICE, "/digest 2025-06-03"))
    parts = fake_telegram.sent()[before:]
    assert fake_telegram.rejected == []
    shown = "\n".join(parse_html(p["text"])[0] for p in parts)
    assert "An id too long for a button" in shown and "&&&&" in shown and "<i><i>" in shown
    assert all(len(parse_html(p["text"])[0]) <= 4096 for p in parts)
    rows = sum(len(p["reply_markup"]["inline_keyboard"]) for p in parts if p.get("reply_markup"))
    assert rows == 42  # 40 papers of the day and 2 hostile ones; the overlong id gets no buttons


def test_slack_blocks_stay_within_limits_for_hostile_papers() -> None:
    entries = [
        Entry(paper=p, score=PaperScore(p.id, 9, 9, 0.9, "<&>" * 2000, "offline"), reason="x")
        for p in HOSTILE * 20
    ]
    digest = Digest(day=DAY, user="alice", status="digest", entries=entries, notes=["&" * 5000] * 20)
    messages = slack_messages(digest, signer=ButtonSigner(b"k"), subject="T1/C1")
    shown = 0
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        for block in message.blocks:
            texts = [block["text"]] if "text" in block else block.get("elements", [])
            for text in (t.get("text") for t in texts if isinstance(t, dict)):
                if isinstance(text, str):
                    assert len(text) <= MAX_SECTION
                    assert not re.search(r"&[a-z]{0,3}$", text), text[-10:]  # never cut inside an entity
            shown += block["type"] == "actions"
    assert shown == len(entries)


def test_slack_links_escape_url_and_text() -> None:
    made = link("https://arxiv.org/abs/2506.1>|<!channel>", "a | b <!here> & c")
    assert made.count("<") == 1 and made.count(">") == 1 and made.count("|") == 1
    assert "<!channel>" not in made and "<!here>" not in made
