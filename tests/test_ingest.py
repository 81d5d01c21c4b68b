"""Ingest from files and from the live arXiv feed (through the fake server), idempotently."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.compose import App
from core.errors import InputError, SourceError
from storage.tables import Announcement, AnnouncementDay, Paper
from tests.conftest import DAY, FIXTURES
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed


def _papers(app: App) -> dict[str, Paper]:
    with app.sessions() as session:
        return {p.id: p for p in session.exec(select(Paper))}


def test_file_ingest_renders_tex_and_is_idempotent(app: App, listing_path: Path) -> None:
    first = app.ingestor.ingest_file(listing_path, day=DAY)
    second = app.ingestor.ingest_file(listing_path, day=DAY)
    papers = _papers(app)
    assert (first.listed, first.added) == (40, 40)
    assert (second.listed, second.added, second.updated) == (40, 0, 0)
    assert papers["2506.00030"].authors[:3] == ["Søren Hauberg", "Rémi Munos", "Adrian Łańcucki"]
    assert papers["2506.00039"].title == "On the $\\ell_1$ geometry of Rényi divergences"
    with app.sessions() as session:
        day = session.get(AnnouncementDay, DAY)
        assert day is not None and (day.status, day.entries, day.source) == (
            "announced",
            40,
            "file",
        )


def test_gzipped_listing_with_malformed_lines(
    app: App, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    path = tmp_path / "day.jsonl.gz"
    lines = [
        json.dumps(records[0]),
        "{not json",
        json.dumps({"id": "2506.1"}),
        json.dumps(records[1]),
        "[]",
    ]
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines))
    report = app.ingestor.ingest_file(path, day=DAY)
    assert report.skipped_lines == (2, 3, 5)
    assert set(_papers(app)) == {records[0]["id"], records[1]["id"]}


def test_unreadable_or_empty_listing(app: App, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read listing"):
        app.ingestor.ingest_file(tmp_path / "missing.jsonl", day=DAY)
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="cannot read listing"):
        app.ingestor.ingest_file(tmp_path / "bad.jsonl.gz", day=DAY)
    (tmp_path / "junk.jsonl").write_text("junk\n")
    with pytest.raises(InputError, match="no readable paper"):
        app.ingestor.ingest_file(tmp_path / "junk.jsonl", day=DAY)
    assert _papers(app) == {}


def _serve_day(fake: FakeArxiv, records: list[dict[str, Any]], day: dt.date) -> None:
    kinds = ["new", "cross", "replace", "replace-cross"]
    items = [
        (r, kinds[i % 4], 2 if kinds[i % 4].startswith("replace") else 1) for i, r in enumerate(records[:8])
    ]
    items.append((records[0], "cross", 1))  # listed again under another category: one paper
    fake.rss = [Scripted(200, rss_feed(day, items))]
    for record, _kind, version in items:
        fake.papers[record["id"]] = (record, version)


def test_live_ingest_tells_announce_types_apart(
    app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]]
) -> None:
    day = dt.date(2025, 6, 4)
    _serve_day(fake_arxiv, records, day)
    report = app.ingestor.ingest_live(categories=["cs.LG", "cs.AI"])
    assert (report.day, report.status, report.listed) == (day, "announced", 8)
    with app.sessions() as session:
        kinds = {a.paper_id: a.announce_type for a in session.exec(select(Announcement))}
    assert kinds[records[0]["id"]] == "new" and kinds[records[1]["id"]] == "cross"
    assert kinds[records[2]["id"]] == "replace" and kinds[records[3]["id"]] == "replace-cross"
    papers = _papers(app)
    assert papers[records[0]["id"]].comment == records[0]["comment"]  # filled in by the API
    assert papers[records[2]["id"]].version == 2
    rss_calls = [path for path, _ in fake_arxiv.requests if path.startswith("/rss/")]
    assert rss_calls == ["/rss/cs.LG+cs.AI"]
    api_ids = [q["id_list"][0] for path, q in fake_arxiv.requests if path == "/api/query"]
    assert len(api_ids) == 1 and len(api_ids[0].split(",")) == 8
    assert app.ingestor.ingest_live(categories=["cs.LG", "cs.AI"]).added == 0  # idempotent


def test_replacement_updates_a_stored_paper(
    app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]], listing_path: Path
) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    revised = dict(records[5], title="A revised title")
    fake_arxiv.rss = [Scripted(200, rss_feed(dt.date(2025, 6, 5), [(revised, "replace", 3)]))]
    fake_arxiv.papers[revised["id"]] = (revised, 3)
    app.ingestor.ingest_live(categories=["cs.LG"])
    paper = _papers(app)[revised["id"]]
    assert (paper.title, paper.version, paper.announced_on) == ("A revised title", 3, DAY)


def test_quiet_day_is_recorded(app: App, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.rss = [Scripted(200, rss_feed(dt.date(2025, 6, 7), []))]
    report = app.ingestor.ingest_live(categories=["cs.LG"])
    assert (report.day, report.status) == (dt.date(2025, 6, 7), "quiet")
    with app.sessions() as session:
        row = session.get(AnnouncementDay, dt.date(2025, 6, 7))
        assert row is not None and row.status == "quiet"


def test_429_then_success(app: App, fake_arxiv: FakeArxiv, records: list[dict[str, Any]]) -> None:
    day = dt.date(2025, 6, 4)
    _serve_day(fake_arxiv, records, day)
    fake_arxiv.rss.insert(0, Scripted(429, b"slow down", {"Retry-After": "0"}))
    fake_arxiv.api = [Scripted(503, b"busy", {"Retry-After": "0"})]
    report = app.ingestor.ingest_live(categories=["cs.LG"])
    assert report.listed == 8
    statuses = [path for path, _ in fake_arxiv.requests]
    assert statuses.count("/rss/cs.LG") == 2 and statuses.count("/api/query") == 2
    assert _papers(app)[records[0]["id"]].comment == records[0]["comment"]


def test_malformed_feed_is_a_clear_error(app: App, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.rss = [Scripted(200, b"<rss><channel><item>broken")]
    with pytest.raises(SourceError, match="not valid XML"):
        app.ingestor.ingest_live(categories=["cs.LG"])
    assert _papers(app) == {}


def test_persistent_failure_gives_up(app: App, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.rss = [Scripted(503, b"down", {"Retry-After": "0"})]
    with pytest.raises(SourceError, match="failed after 3 tries"):
        app.ingestor.ingest_live(categories=["cs.LG"])


def test_enrichment_reads_recorded_api_responses(app: App, fake_arxiv: FakeArxiv) -> None:
    source = app.ingestor._source
    fake_arxiv.recorded[frozenset({"0808.05394", "1707.08567"})] = (
        FIXTURES / "api-id_list-1707.08567.xml"
    ).read_bytes()
    fake_arxiv.recorded[frozenset({"0000.0000"})] = (FIXTURES / "api-id_list-empty.xml").read_bytes()
    found = source.lookup(["0808.05394", "1707.08567"])  # type: ignore[union-attr]
    assert list(found) == ["1707.08567"]
    paper = found["1707.08567"]
    assert paper.title.startswith("Proceedings of Workshop AEW10")
    assert paper.primary_category == "cs.IT" and paper.comment and "44 pages" in paper.comment
    assert len(paper.authors) == 34
    assert source.lookup(["0000.0000"]) == {}  # type: ignore[union-attr]
