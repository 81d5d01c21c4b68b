"""The domain types at the storage boundary: one set of profile defaults, one save, enums that
store the same strings as before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

from sqlalchemy import text

from bot.compose import App
from bot.console import chat, console_caller
from core.models import (
    DayStatus,
    DeliveryState,
    DigestStatus,
    Direction,
    Identity,
    Profile,
    Reason,
    Vote,
)
from storage import deliveries, profiles
from storage import papers as paper_store
from tests.conftest import DAY

SETTINGS = ("top_n", "min_relevance", "min_novelty", "timezone", "delivery_time", "paused", "active")


def test_a_new_profile_starts_from_the_core_defaults(app: App) -> None:
    fresh = Profile(id=0, name="")
    with app.sessions() as session, session.begin():
        stored = profiles.create(
            session, Identity("telegram", "42", display_name="Ada"), categories=["cs.LG"]
        )
    assert {k: getattr(stored, k) for k in SETTINGS} == {k: getattr(fresh, k) for k in SETTINGS}
    assert (stored.criteria, stored.keywords_require, stored.authors, stored.owner_id) == ("", [], [], None)
    assert stored.identity == Identity("telegram", "42", display_name="Ada", kind="user")
    assert stored.name == "Ada" and stored.categories == ["cs.LG"]


def test_save_writes_the_settings_and_stamps_updated_at(app: App) -> None:
    with app.sessions() as session, session.begin():
        profile = profiles.create(session, Identity("console", "bo"), categories=["cs.AI"])
    stamp = "select updated_at, top_n, timezone, authors, platform_id from profile where id = :id"
    with app.engine.connect() as connection:
        before = connection.execute(text(stamp), {"id": profile.id}).one()
    changed = dataclasses.replace(profile, top_n=3, timezone="Asia/Tokyo", authors=["Ada Lovelace"])
    with app.sessions() as session, session.begin():
        profiles.save(session, changed)
    with app.engine.connect() as connection:
        after = connection.execute(text(stamp), {"id": profile.id}).one()
    assert after.updated_at > before.updated_at
    assert (after.top_n, after.timezone, after.platform_id) == (3, "Asia/Tokyo", "bo")
    with app.sessions() as session:
        again = profiles.get(session, profile.id)
    assert again == changed


def test_the_overview_names_the_latest_digest_and_its_papers(app: App, listing_path: Path) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    out = io.StringIO()
    lines = ["/start", "/topics set sparse autoencoders, quantization, pruning", "/threshold 1 1", "/top 4"]
    chat(app.commands, "cleo", [*lines, f"/digest {DAY}"], out)
    overview = app.commands.overview(console_caller("cleo").identity)
    assert overview.profile is not None and overview.profile.top_n == 4
    assert overview.latest_day == DAY and len(overview.latest) == 4
    assert all(paper.title in out.getvalue() for paper in overview.latest)
    with app.sessions() as session:
        sent = deliveries.latest_sent(session, overview.profile.id)
    assert sent is not None and sent.state == DeliveryState.SENT
    assert sent.paper_ids == [p.id for p in overview.latest]


def test_states_are_stored_as_the_same_strings(app: App, listing_path: Path) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    quiet = DAY + dt.timedelta(days=5)
    with app.sessions() as session, session.begin():
        paper_store.record_quiet_day(session, day=quiet, categories=["cs.LG"])
    with app.engine.connect() as connection:
        stored = [row.status for row in connection.execute(text("select status from announcement_day"))]
    assert sorted(stored) == ["announced", "quiet"]
    with app.sessions() as session:
        assert paper_store.day_info(session, quiet).status is DayStatus.QUIET  # type: ignore[union-attr]
        assert paper_store.day_info(session, DAY).status is DayStatus.ANNOUNCED  # type: ignore[union-attr]
    assert [str(s) for s in (DigestStatus.EMPTY, Reason.AUTHOR_MATCH, DeliveryState.FAILED)] == [
        "empty",
        "author match",
        "failed",
    ]
    assert (Vote("2506.01928", Direction.UP).value, Vote("2506.01928", Direction.DOWN).value) == (1, -1)
    assert Direction.of(-1) is Direction.DOWN and f"{Reason.FEEDBACK}" == "feedback"
