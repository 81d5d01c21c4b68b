"""The same command run by several processes at once: every one succeeds and the database
holds what one run leaves (the CLI processes are real, on the test database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.compose import App, build_app
from bot.settings import Settings
from core.commands.core import Caller, Reply
from core.models import Identity
from storage.tables import Announcement, AnnouncementDay, Delivery, Paper
from tests import pg

FIXTURES = Path(__file__).parent / "fixtures"
DAY = "2025-06-03"


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all(tmp_path: Path, count: int, *args: str) -> list[tuple[int, str, str]]:
    started = [_start(tmp_path, *args) for _ in range(count)]
    finished = []
    for proc in started:
        out, err = proc.communicate(timeout=120)
        finished.append((proc.returncode, out, err))
    return finished


def _day_rows(app: App) -> tuple[int, int, int, str]:
    with app.sessions() as session:
        papers = session.exec(select(func.count()).select_from(Paper)).one()
        listed = session.exec(select(func.count()).select_from(Announcement)).one()
        day = session.exec(select(AnnouncementDay)).one()
        return int(papers), int(listed), day.entries, day.status


def test_parallel_ingests_and_digests_all_succeed_with_the_rows_of_one(
    env: Settings, tmp_path: Path, listing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with contextlib.ExitStack() as stack:
        if pg.SERVER_URL:  # an empty database: the four processes also race to create the schema
            url = stack.enter_context(pg.fresh_database(migrated=False))
            monkeypatch.setenv("DATABASE_URL", url)
            env = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        _race(env, tmp_path, listing_path)


def _race(env: Settings, tmp_path: Path, listing_path: Path) -> None:
    records = len(listing_path.read_text().splitlines())
    ingests = _all(tmp_path, 4, "ingest", "--file", str(listing_path), "--date", DAY)
    assert [code for code, _, _ in ingests] == [0, 0, 0, 0], [err for _, _, err in ingests]
    assert all(err == "" for _, _, err in ingests)
    app = build_app(env, upgrade_schema=False)
    assert _day_rows(app) == (records, records, records, "announced")

    added = subprocess.run(
        [sys.executable, "-m", "bot.cli", "user", "add", "alice", "--topics-file", FIXTURES / "criteria.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    digests = _all(tmp_path, 3, "digest", "--user", "alice", "--date", DAY, "--format", "json")
    assert [code for code, _, _ in digests] == [0, 0, 0], [err for _, _, err in digests]
    sent = [[e["id"] for e in json.loads(out)["papers"]] for _, out, _ in digests]
    assert sent[0] and sent[0] == sent[1] == sent[2]
    with app.sessions() as session:
        rows = session.exec(select(Delivery)).all()
        assert len(rows) == 1
        assert rows[0].state == "sent" and rows[0].paper_ids == sent[0] and rows[0].attempts == 3
    app.engine.dispose()


def test_two_digest_commands_at_once_both_answer_with_the_digest(app: App, listing_path: Path) -> None:
    """Chat users double-tap: both replies are the digest, never "Something went wrong"."""
    app.ingestor.ingest_file(listing_path, day=dt.date(2025, 6, 3))
    criteria = (FIXTURES / "criteria.md").read_text()
    replies = []
    for round_ in range(6):
        caller = Caller(Identity("console", f"racer{round_}"))
        assert app.commands.handle(caller, "/start").ok
        assert app.commands.handle(caller, f"/topics set {criteria}").ok
        start = threading.Barrier(2)

        def tap(caller: Caller = caller, start: threading.Barrier = start) -> Reply:
            start.wait()
            return app.commands.handle(caller, f"/digest {DAY}")

        with ThreadPoolExecutor(2) as pool:
            pair = list(pool.map(lambda _: tap(), range(2)))
        replies += pair
        assert all(r.ok for r in pair), [r.text for r in pair]
        assert pair[0].text == pair[1].text
    with app.sessions() as session:
        assert len(session.exec(select(Delivery)).all()) == 6
