"""Hostile listings and feeds: one bad line or item is skipped and named, ids are arXiv ids,
nothing is coerced, and an empty or undated feed is "not yet" rather than a quiet day."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.compose import App
from core import arxiv_id
from core.ingest.polite import retry_after_seconds
from core.ingest.service import FeedNotReady
from storage.tables import AnnouncementDay, Paper
from tests.conftest import DAY
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed


def _papers(app: App) -> dict[str, Paper]:
    with app.sessions() as session:
        return {p.id: p for p in session.exec(select(Paper))}


@pytest.mark.parametrize(
    "good",
    ["2506.18945", "2506.18945v2", "0704.0001", "1412.9999v12", "hep-th/9901001", "math.AG/0601001v3",
     "cond-mat/0101001", "q-bio/0405001"],
)  # fmt: skip
def test_arxiv_identifiers_are_accepted(good: str) -> None:
    assert arxiv_id.is_valid(good)


@pytest.mark.parametrize(
    "bad",
    ["2599.1>|<!channel> click here", "../../etc/passwd", "2506.1" + "9" * 200, "2513.00001", "2506.123",
     "2506.18945v0", "2506.18945v-1", "2506.18945v99999", "２５０６.１８９４５", "hep-th/99010011",
     "HEP-TH/9901001", "2506.18945|x", " ", "", "hep th/9901001", "a-b-c/9901001"],
)  # fmt: skip
def test_anything_else_is_refused(bad: str) -> None:
    assert not arxiv_id.is_valid(bad)


def test_one_bad_line_never_aborts_a_listing(app: App, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    good = records[0]
    hostile = [
        dict(records[1], version=2**70),
        '{"id": "' + records[2]["id"] + '", "title": "x", "version": Infinity}',
        '{"id": "' + records[3]["id"] + '", "title": "x", "version": 1e400}',
        '{"id": "' + records[4]["id"] + '", "title": "lone \\ud800 surrogate"}',
        "[" * 100_000,
        dict(records[5], version=-2),
        dict(records[6], categories=[1, None]),
        dict(records[7], id="2599.1>|<!channel> click here"),
        dict(records[8], id="../../etc/passwd"),
        dict(records[9], id="2506." + "1" * 200),
        dict(records[10], version="3"),
        dict(records[11], version=2.0),
    ]
    lines = [json.dumps(good)] + [h if isinstance(h, str) else json.dumps(h) for h in hostile]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = app.ingestor.ingest_file(path, day=DAY)
    assert report.skipped_lines == tuple(range(2, len(lines) + 1))
    assert set(_papers(app)) == {good["id"]}


def test_category_codes_beside_arxiv_categories_are_dropped_not_stored(
    app: App, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    path = tmp_path / "codes.jsonl"
    path.write_text(json.dumps(dict(records[0], categories=["cs.LG", "68T05, 46E22", "I.2.7; I.2.10"])))
    app.ingestor.ingest_file(path, day=DAY)
    assert _papers(app)[records[0]["id"]].categories == ["cs.LG"]


def test_hostile_feed_items_are_skipped_and_the_rest_stored(
    app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]]
) -> None:
    day = dt.date(2025, 6, 4)
    items = [
        (records[0], "new", 1),
        (dict(records[1], id="2599.1>|!channel click here"), "new", 1),
        (dict(records[2], id="../../etc/passwd"), "new", 1),
    ]
    fake_arxiv.rss = [Scripted(200, rss_feed(day, items))]
    fake_arxiv.papers[records[0]["id"]] = (records[0], 1)
    report = app.ingestor.ingest_live(categories=["cs.LG"])
    assert (report.day, report.listed) == (day, 1)
    assert set(_papers(app)) == {records[0]["id"]}


def test_an_empty_feed_on_an_expected_weekday_is_not_yet_a_quiet_day(app: App, fake_arxiv: FakeArxiv) -> None:
    wednesday = dt.date(2025, 6, 4)
    fake_arxiv.rss = [Scripted(200, rss_feed(wednesday, []))]
    with pytest.raises(FeedNotReady, match="still empty"):
        app.ingestor.ingest_live(categories=["cs.LG"], expected=wednesday)
    with app.sessions() as session:
        assert session.get(AnnouncementDay, wednesday) is None
    saturday = dt.date(2025, 6, 7)  # the weekend is quiet, expected or not
    fake_arxiv.rss = [Scripted(200, rss_feed(saturday, []))]
    assert app.ingestor.ingest_live(categories=["cs.LG"], expected=saturday).status == "quiet"


def test_an_undated_feed_is_not_filed_under_todays_date(
    app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]]
) -> None:
    body = rss_feed(dt.date(2025, 6, 4), [(records[0], "new", 1)])
    undated = re.sub(rb"<(pubDate|lastBuildDate)>[^<]*</\1>", b"", body)
    fake_arxiv.rss = [Scripted(200, undated)]
    with pytest.raises(FeedNotReady, match="no date"):
        app.ingestor.ingest_live(categories=["cs.LG"])
    assert _papers(app) == {}


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("soon", None),
        ("NaN", None),
        ("inf", None),
        ("-5", 0.0),
        ("7", 7.0),
        ("Wed, 21 Oct 2015 07:28:00", 0.0),
    ],
)
def test_retry_after_is_a_hint_only_when_it_makes_sense(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_soon_from_arxiv_is_retried(
    app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]]
) -> None:
    day = dt.date(2025, 6, 4)
    fake_arxiv.rss = [Scripted(503, b"busy", {"Retry-After": "soon"}), Scripted(200, rss_feed(day, []))]
    report = app.ingestor.ingest_live(categories=["cs.LG"])
    assert report.status == "quiet" and report.day == day


async def test_the_evening_run_retries_an_empty_feed_on_an_announcement_day(
    app: App, fake_arxiv: FakeArxiv
) -> None:
    from bot import compose

    now = dt.datetime(2025, 6, 3, 0, 5, tzinfo=dt.UTC)  # 20:05 in New York: Tuesday's announcement
    fake_arxiv.rss = [Scripted(200, rss_feed(dt.date(2025, 6, 3), []))]
    worker = compose.delivery_worker(app, {}, clock=lambda: now)
    scheduler = compose.scheduler(app, worker, clock=lambda: now)
    await scheduler.lead()  # the only worker: it takes the leader lease
    await scheduler.ingest()
    assert scheduler.scheduler.get_job("ingest-retry") is not None
    with app.sessions() as session:
        assert session.get(AnnouncementDay, dt.date(2025, 6, 3)) is None


def test_control_characters_in_a_record_are_dropped_and_the_paper_stored(
    app: App, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    """PostgreSQL cannot store NUL: one such title once failed the whole day's insert."""
    path = tmp_path / "nul.jsonl"
    record = dict(records[0], title="Sparse\x00 auto\x07encoders", abstract="An\x00 abstract\x1b[31m.")
    path.write_text(json.dumps(record) + "\n" + json.dumps(records[1]), encoding="utf-8")
    app.ingestor.ingest_file(path, day=DAY)
    stored = _papers(app)
    assert set(stored) == {records[0]["id"], records[1]["id"]}
    assert (stored[records[0]["id"]].title, stored[records[0]["id"]].abstract) == (
        "Sparse autoencoders", "An abstract[31m."
    )  # fmt: skip
