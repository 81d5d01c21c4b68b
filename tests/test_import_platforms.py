"""`/import` from the chat platforms: a Telegram document, a Slack file in a direct message, and
pasted text on both, each through the real client library against a fake platform, ending in
the same core import (what is stored is checked, not only what is answered)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import MAX_IMPORT_BYTES
from core.models import Identity
from storage import library as library_store
from storage import profiles
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram, parse_html
from tests.test_slack import Slack, fake_slack, slack
from tests.test_telegram import ALICE, GROUP, MEMBER, bot, message_update, say, send

__all__ = ["bot", "fake_slack", "slack"]  # fixtures shared with the platform tests
_ids = itertools.count(500)
LIBRARY = b"@article{a, title={Modality}, eprint={2506.00030}, archivePrefix={arXiv}}\n@misc{b, url={https://arxiv.org/abs/2506.00039v2}}\n"


def library(app: App, identity: Identity) -> list[str]:
    with app.sessions() as session:
        profile = profiles.find(session, identity)
        return [] if profile is None else sorted(library_store.library_ids(session, profile.id))


def document_update(
    chat: int, file_id: str, size: int, caption: str = "", user: int | None = None
) -> dict[str, Any]:
    update = message_update(chat, "", user)
    message = update["message"]
    del message["text"]
    message["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": "library.bib",
                           "mime_type": "text/x-bibtex", "file_size": size}  # fmt: skip
    if caption:
        message["caption"] = caption
    return update


def telegram_texts(fake: FakeTelegram, before: int) -> list[str]:
    return [parse_html(m["text"])[0] for m in fake.sent()[before:]]


async def test_a_telegram_document_is_downloaded_and_imported(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    fake_telegram.files["lib1"] = LIBRARY
    await send(bot, document_update(ALICE, "lib1", len(LIBRARY)))
    assert telegram_texts(fake_telegram, 0)[-1].endswith("Imported 2 papers.")
    assert fake_telegram.downloads == ["documents/lib1.bin"]
    assert library(app, Identity("telegram", str(ALICE))) == ["2506.00030", "2506.00039"]
    fake_telegram.files["bad"] = b"not a library\n"
    before = len(fake_telegram.sent())
    await send(bot, document_update(ALICE, "bad", 14))
    assert telegram_texts(fake_telegram, before) == ["line 1: not an arXiv id or link: 'not a library'"]


async def test_telegram_refuses_a_huge_document_without_downloading_it(
    bot: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.files["huge"] = b"x"
    await send(bot, document_update(ALICE, "huge", MAX_IMPORT_BYTES + 1))
    assert "too large" in telegram_texts(fake_telegram, 0)[-1] and fake_telegram.downloads == []


async def test_a_document_telegram_cannot_hand_over_is_reported(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    await send(bot, document_update(ALICE, "gone", 100))  # getFile answers 400
    assert telegram_texts(fake_telegram, 0)[-1].startswith("I could not fetch that file")
    assert library(app, Identity("telegram", str(ALICE))) == []


async def test_in_a_group_only_an_import_captioned_file_by_an_admin_counts(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    fake_telegram.files["lib1"] = LIBRARY
    await send(bot, document_update(GROUP, "lib1", len(LIBRARY), user=MEMBER))  # any file in a group
    assert fake_telegram.sent() == [] and fake_telegram.downloads == []
    await send(bot, document_update(GROUP, "lib1", len(LIBRARY), caption="/import", user=MEMBER))
    assert "Only an admin" in telegram_texts(fake_telegram, 0)[-1]
    assert library(app, Identity("telegram", str(GROUP))) == []


async def test_telegram_pasted_text_after_import(
    bot: TelegramAdapter, fake_telegram: FakeTelegram, app: App
) -> None:
    assert "Send your library" in await say(bot, fake_telegram, ALICE, "/import")
    answer = await say(bot, fake_telegram, ALICE, "2506.00030\nhttps://arxiv.org/pdf/2506.00039v1")
    assert answer == "Imported 2 papers."
    assert library(app, Identity("telegram", str(ALICE))) == ["2506.00030", "2506.00039"]


def dm_file_event(file_id: str) -> dict[str, Any]:
    return {"type": "message", "subtype": "file_share", "channel": "D1", "channel_type": "im",
            "user": "U1", "text": "", "ts": f"{time.time():.6f}",
            "files": [{"id": file_id, "name": "library.bib"}]}  # fmt: skip


async def test_a_slack_file_in_a_direct_message_is_imported_once(slack: Slack, fake_slack: FakeSlack) -> None:
    fake_slack.files["F9"] = ("library.bib", LIBRARY)
    assert (await slack.event(dm_file_event("F9"))).status == 200
    await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
    # the same upload announced again, as file_shared: not imported twice
    shared = {"type": "file_shared", "file_id": "F9", "user_id": "U1", "channel_id": "D1"}
    assert (await slack.event(shared)).status == 200
    replies = [c.args["text"] for c in fake_slack.of("chat.postMessage")]
    assert replies[-1].endswith("Imported 2 papers.") and len(replies) == 1
    assert fake_slack.downloads == [("F9", "xoxb-T1")]  # fetched once, with the bot token
    assert library(slack.app, slack.adapter.user_identity("T1", "U1")) == ["2506.00030", "2506.00039"]


async def test_a_file_shared_in_a_channel_is_not_a_library(slack: Slack, fake_slack: FakeSlack) -> None:
    fake_slack.files["F8"] = ("notes.txt", b"2506.00030\n")
    await slack.event({"type": "file_shared", "file_id": "F8", "user_id": "U1", "channel_id": "C1"})
    await slack.event(dm_file_event("F7"))  # a file Slack cannot find: said so, nothing imported
    await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
    assert [c.args["file"] for c in fake_slack.of("files.info")] == ["F7"]
    assert fake_slack.of("chat.postMessage")[0].args["text"].startswith("I could not fetch that file")
    assert fake_slack.downloads == []
    assert library(slack.app, slack.adapter.user_identity("T1", "U1")) == []


async def test_slack_import_alone_takes_the_next_direct_message(slack: Slack, fake_slack: FakeSlack) -> None:
    assert "Send your library" in await slack.say("import")
    assert fake_slack.of("views.open") == []  # the topics editor is for /start, not for files
    dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1",
          "text": "2506.00030\nhttps://arxiv.org/abs/2506.00039", "ts": f"{time.time():.6f}"}  # fmt: skip
    await slack.event(dm)
    await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
    assert fake_slack.of("chat.postMessage")[0].args["text"] == "Imported 2 papers."
    assert library(slack.app, slack.adapter.user_identity("T1", "U1")) == ["2506.00030", "2506.00039"]


async def test_slack_pasted_text_through_the_slash_command(slack: Slack) -> None:
    answer = await slack.say("import 2506.00030 https://arxiv.org/abs/2506.00039")
    assert answer.endswith("Imported 2 papers.")
    assert library(slack.app, slack.adapter.user_identity("T1", "U1")) == ["2506.00030", "2506.00039"]
    assert "line 1: not an arXiv id or link" in await slack.say("import these are words")
