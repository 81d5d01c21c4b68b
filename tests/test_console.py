"""Chat transcripts through the console adapter: the same core answers Slack and Telegram."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.compose import App
from bot.console import chat
from core.models import Identity
from storage import profiles
from tests.conftest import DAY


@pytest.fixture
def say(app: App, listing_path: Path):  # type: ignore[no-untyped-def]
    app.ingestor.ingest_file(listing_path, day=DAY)

    def send(*lines: str) -> str:
        out = io.StringIO()
        chat(app.commands, "alice", list(lines), out)
        return out.getvalue()

    return send


def _profile(app: App):  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        found = profiles.find(session, Identity(platform="console", platform_id="alice"))
        assert found is not None
        return found


def test_start_and_help(say, app: App) -> None:  # type: ignore[no-untyped-def]
    first = say("/topics")  # a first command creates the profile, then runs
    assert first.startswith("Welcome to paperbot! /help lists every command.") and "no topics yet" in first
    assert "Welcome back! What should I look for?" in say("/start")  # still no topics: ask
    say("/topics set sparse autoencoders")
    assert "Welcome back! Your settings are as you left them; /topics shows" in say("/start")
    help_text = say("/help")
    for command in (
        "/topics",
        "/keywords",
        "/authors",
        "/categories",
        "/top",
        "/threshold",
        "/time",
        "/tz",
        "/digest",
        "/pause",
        "/resume",
        "/saved",
        "/export",
        "/up",
        "/down",
    ):
        assert command in help_text
    assert _profile(app).categories == ["cs.LG", "cs.AI"]


def test_topics_set_add_remove(say, app: App) -> None:  # type: ignore[no-untyped-def]
    say("/start")
    assert "You have no topics yet" in say("/topics")
    assert "1. sparse autoencoders" in say("/topics set sparse autoencoders")
    out = say("/topics add mixture of experts")
    assert "1. sparse autoencoders\n2. mixture of experts" in out
    assert say("/topics remove 1").endswith("1. mixture of experts\n")
    assert _profile(app).criteria == "mixture of experts"
    assert "from 1 to 1" in say("/topics remove 5")
    assert "whole number" in say("/topics remove two")
    assert "Use /topics" in say("/topics frobnicate")
    assert "Give the new topics" in say("/topics set")
    assert _profile(app).criteria == "mixture of experts"


def test_keywords_authors_categories(say, app: App) -> None:  # type: ignore[no-untyped-def]
    say("/start")
    assert "Required: pruning, mixture of experts; excluded: medical" in say(
        '/keywords +pruning -medical "+mixture of experts"'
    )
    assert "Required: mixture of experts; excluded: medical, pruning" in say("/keywords -pruning")
    assert "Mark each keyword with +" in say("/keywords pruning")
    assert "Unbalanced quotes" in say('/keywords "+open')
    assert "1 to 60 characters" in say("/keywords +" + "x" * 61)
    p = _profile(app)
    assert (p.keywords_require, p.keywords_exclude) == (
        ["mixture of experts"],
        ["medical", "pruning"],
    )
    assert "Now following Yoshua Bengio" in say("/authors add Yoshua Bengio")
    assert "Followed authors: Yoshua Bengio" in say("/authors")
    assert "You do not follow Nobody" in say("/authors remove Nobody")
    assert "Give an author's name" in say("/authors add 1234")
    assert "No longer following" in say("/authors remove yoshua bengio")
    assert "Categories set to cs.LG stat.ML" in say("/categories cs.LG, stat.ML")
    assert "is not an arXiv category" in say("/categories cs.LG not_a/cat")
    assert _profile(app).categories == ["cs.LG", "stat.ML"]


def test_numbers_time_and_zone(say, app: App) -> None:  # type: ignore[no-untyped-def]
    say("/start")
    assert "at most 5 papers" in say("/top 5")
    assert "from 1 to 10,000, or all; not '0'" in say("/top 0")
    assert "relevance ≥ 7, novelty ≥ 6" in say("/threshold 7 6")
    assert "from 1 to 10, not 11" in say("/threshold 11 6")
    assert "Give two numbers" in say("/threshold 7")
    assert "arrive at 07:05" in say("/time 7:05")
    assert "HH:MM" in say("/time 25:00")
    assert "Time zone set to Asia/Tokyo" in say("/tz Asia/Tokyo")
    assert "Unknown time zone 'Mars/Olympus'" in say("/tz Mars/Olympus")
    assert "Unknown time zone" in say("/tz ../../etc/passwd")
    p = _profile(app)
    assert (p.top_n, p.min_relevance, p.min_novelty, p.delivery_time, p.timezone) == (
        5,
        7,
        6,
        "07:05",
        "Asia/Tokyo",
    )
    assert "paused" in say("/pause") and _profile(app).paused
    assert "resumed" in say("/resume") and not _profile(app).paused


def test_digest_rating_saved_and_export(say, app: App, records) -> None:  # type: ignore[no-untyped-def]
    say("/start")
    say("/topics set sparse autoencoders, mixture of experts, quantization, pruning, low-rank")
    say("/threshold 1 1")
    out = say("/digest 2025-06-03")
    assert "paperbot digest for alice, 2025-06-03" in out and "40 arXiv entries · 40 scanned" in out
    assert say("/digest") == out  # the latest day by default, same papers again for the same day
    assert "YYYY-MM-DD" in say("/digest 2025-13-01")
    assert "no announcement of 2025-06-02" in say("/digest 2025-06-02")
    assert "No saved papers yet" in say("/saved")
    assert "Nothing to export yet" in say("/export")
    liked, disliked = records[3], records[4]
    assert say(f"/up {liked['id']}").startswith("👍 ")
    assert "(unchanged)" in say(f"/up arXiv:{liked['id']}v2")
    assert say(f"/down https://arxiv.org/abs/{disliked['id']}").startswith("👎 ")
    assert "not in the database" in say("/up 2506.99999")  # an arXiv id, but not stored
    assert "is not an arXiv id" in say("/up hello")
    assert liked["title"][:40] in say("/saved") and disliked["title"][:40] not in say("/saved")
    bib = say("/export")
    assert f"@misc{{arXiv:{liked['id']}," in bib and "archivePrefix = {arXiv}" in bib
    say(f"/down {liked['id']}")  # changing the vote
    assert "No saved papers yet" in say("/saved")


def test_bad_messages_get_one_line(say) -> None:  # type: ignore[no-untyped-def]
    say("/start")
    assert say("/frobnicate") == "Unknown command /frobnicate; send /help to see what I understand.\n"
    assert say("hello") == "Commands start with a slash; send /help to see them.\n"
    huge = say("/topics set " + "x" * 10_000_000)
    assert huge.count("\n") == 1 and "too long" in huge
    assert "You have no topics yet" in say("/topics")


def test_group_members_who_are_not_admins_cannot_edit(app: App) -> None:
    from core.commands.core import Caller

    group = Identity(platform="telegram", platform_id="-100", kind="group")
    admin, member = Caller(group, may_edit=True), Caller(group, may_edit=False)
    assert app.commands.handle(admin, "/start").ok
    refused = app.commands.handle(member, "/top 3")
    assert not refused.ok and "Only an admin" in refused.text
    assert app.commands.handle(member, "/top").text == "Your digest shows at most 10 papers."


SEED = Path("/nonexistent")  # replaced below by the fixture's criteria


def test_numbered_topics_are_items_shown_once_and_removed_whole(say, app: App) -> None:  # type: ignore[no-untyped-def]
    criteria = (
        "Keep **relevant** papers.\n\n"
        "1. Representation Learning\n   - Relevant: feature learning.\n   - Irrelevant: applications.\n\n"
        "2. Model Architecture\n   - Relevant: Mixture-of-Experts.\n   - Irrelevant: merely using them.\n\n"
        "3. Model Compression\n   - Relevant: pruning."
    )
    say("/topics set " + criteria.replace("\n", "\\n"))
    shown = say("/topics")
    assert "1. Representation Learning\n   - Relevant: feature learning." in shown
    assert "2. Model Architecture" in shown and "3. Model Compression" in shown
    assert "2. 1." not in shown and "4." not in shown and shown.count("Model Architecture") == 1
    removed = say("/topics remove 2")
    assert removed.startswith("Removed topic 2: Model Architecture with its 2 lines.")
    assert "2. Model Compression" in removed
    stored = _profile(app).criteria
    assert "Model Architecture" not in stored and "merely using" not in stored
    assert "Irrelevant: applications." in stored and "Keep **relevant** papers." in stored
    assert "from 1 to 2" in say("/topics remove 3")
    assert "3. Sparse autoencoders" in say("/topics add Sparse autoencoders")


def test_top_reaches_the_whole_day(say, app: App) -> None:  # type: ignore[no-untyped-def]
    assert "at most 90 papers" in say("/top 90")
    assert "every paper that passes your thresholds" in say("/top all")
    assert _profile(app).top_n >= 1000
    say("/threshold 1 1")
    digest = say("/digest 2025-06-03")
    assert "10. " in digest  # not capped at the old default


def test_a_first_start_takes_the_next_line_as_the_topics(say, app: App) -> None:  # type: ignore[no-untyped-def]
    out = say("/start", "sparse autoencoders; not reinforcement learning", "more words")
    assert "What should I look for?" in out and "1. sparse autoencoders; not reinforcement learning" in out
    assert "arrives every arXiv announcement day at 08:00 (UTC)" in out
    assert "Commands start with a slash" in out  # asked once: the third line is no answer
    assert _profile(app).criteria == "sparse autoencoders; not reinforcement learning"
