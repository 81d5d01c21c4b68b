"""A digest at your own pace: `/cadence`, the weekly digest (the week's best, holidays and all),
and the "while you were away" digest after a pause or a silence; on a small made-up corpus
where each announcement day brings two papers on the reader's topic and eight off it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.due import due_at
from core.deliver.worker import DeliveryWorker
from core.models import Cadence, DayInfo, DayStatus, Identity, Profile
from storage import papers as paper_store
from storage import profiles
from storage.tables import Delivery
from tests.fakes.telegram_server import FakeTelegram

UTC = dt.UTC
MON, TUE, WED, THU, FRI = (dt.date(2025, 6, d) for d in (2, 3, 4, 5, 6))
MON2, TUE2, WED2, THU2 = (dt.date(2025, 6, d) for d in (9, 10, 11, 12))
WEEKLY, DAILY, RESTER, CONTROL = 21, 22, 23, 24
TOPICS = "sparse autoencoders, mechanistic interpretability"

ON = (
    "Sparse autoencoders reveal interpretable features in {x}",
    "Interpretability of {x} with sparse autoencoders and dictionary learning",
)
OFF = (
    "Galaxy cluster mass estimation from {x} surveys", "Optimal control of {x} robots under uncertainty",
    "A benchmark of {x} for tabular regression", "Federated learning for {x} hospitals",
    "Graph neural networks for {x} traffic forecasting", "Reinforcement learning for {x} games",
    "Speech recognition in noisy {x} environments", "Diffusion models for {x} image synthesis",
)  # fmt: skip
SUBJECTS = ("vision transformers", "protein language models", "chess engines", "code models",
            "reward models", "small language models", "speech models", "weather models")  # fmt: skip


def paper_id(day: dt.date, k: int) -> str:
    return f"2506.{day.day:02d}{k:03d}"


def on_topic(*days: dt.date) -> set[str]:
    """The papers a reader of TOPICS wants: the two of each day that pass the thresholds."""
    return {paper_id(d, k) for d in days for k in range(len(ON))}


def record(day: dt.date, k: int) -> dict[str, object]:
    subject = SUBJECTS[(k + day.day) % len(SUBJECTS)]
    title = (ON + OFF)[k].format(x=subject)
    abstract = (
        f"We train sparse autoencoders on the activations of {subject} and find interpretable, "
        "monosemantic features; we study feature splitting and circuits for mechanistic interpretability."
        if k < len(ON)
        else f"We study {title.lower()} with a new method and report results on standard benchmarks."
    )
    return {
        "id": paper_id(day, k), "title": title, "authors": [f"Author {day.day} {k}"], "abstract": abstract,
        "categories": ["cs.LG"], "primary_category": "cs.LG", "comment": None,
    }  # fmt: skip


def ingest(app: App, tmp: Path, day: dt.date, *extra: dict[str, object]) -> None:
    path = tmp / f"{day.isoformat()}.jsonl"
    rows = [record(day, k) for k in range(len(ON + OFF))] + list(extra)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    app.ingestor.ingest_file(path, day=day)


def holiday(app: App, day: dt.date) -> None:
    with app.sessions() as session, session.begin():
        paper_store.record_quiet_day(session, day=day, categories=["cs.LG"])


def user(app: App, chat: int, *commands: str) -> Caller:
    caller = Caller(Identity(platform="telegram", platform_id=str(chat), display_name=f"u{chat}"))
    for command in ("/start", f"/topics set {TOPICS}", *commands):
        reply = app.commands.handle(caller, command)
        assert reply.ok, reply.text
    return caller


def eight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=UTC)


@pytest.fixture
def worker(app: App, telegram: TelegramAdapter) -> DeliveryWorker:
    return DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram})


def sent(app: App, chat: int) -> dict[dt.date, list[str]]:
    """The digests recorded as sent to `chat`, by digest date, with their papers."""
    with app.sessions() as session:
        view = profiles.find(session, Identity("telegram", str(chat)))
        assert view is not None
        rows = session.exec(select(Delivery).where(Delivery.profile_id == view.id)).all()
        return {r.digest_date: list(r.paper_ids) for r in rows if r.state == "sent"}


def headers(fake: FakeTelegram, chat: int) -> list[str]:
    """The second line of each digest's first message (the line under 'paperbot · day')."""
    return [m["text"].splitlines()[1] for m in fake.accepted
            if m["chat"]["id"] == chat and m["text"].startswith("paperbot ·")]  # fmt: skip


def never_twice(app: App, chat: int) -> None:
    counts = Counter(p for ids in sent(app, chat).values() for p in ids)
    assert counts and max(counts.values()) == 1, counts


# --- /cadence ---------------------------------------------------------------------------------


def test_cadence_shows_and_sets_the_pace_and_reads_weekdays_in_any_case(app: App) -> None:
    caller = Caller(Identity.console("cora"))
    assert app.commands.handle(caller, "/start").ok
    assert app.commands.handle(caller, "/cadence").text == "Your digest comes daily, at 08:00 (UTC)."
    for text, weekday in (("weekly friday", 4), ("weekly MON", 0), ("Weekly Sunday", 6), ("weekly wed", 2)):
        reply = app.commands.handle(caller, f"/cadence {text}")
        assert reply.ok, reply.text
        with app.sessions() as session:
            view = profiles.find(session, caller.identity)
        assert view is not None and (view.cadence, view.weekday) == (Cadence.WEEKLY, weekday)
    assert "weekly on Wednesdays" in app.commands.handle(caller, "/cadence").text
    assert app.commands.handle(caller, "/cadence daily").ok
    with app.sessions() as session:
        view = profiles.find(session, caller.identity)
    assert view is not None and view.cadence == Cadence.DAILY and view.weekday is None
    assert "/cadence" in app.commands.handle(caller, "/help").text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("weekly", "Which weekday?"),
        ("weekly funday", "is not a weekday"),
        ("weekly fr", "is not a weekday"),
        ("hourly", "Use /cadence daily or /cadence weekly <weekday>."),
        ("daily monday", "Use /cadence daily"),
        ("weekly monday tuesday", "Use /cadence daily"),
    ],
)
def test_bad_cadence_is_one_line_and_changes_nothing(app: App, args: str, says: str) -> None:
    caller = Caller(Identity.console("cora"))
    assert app.commands.handle(caller, "/start").ok
    assert app.commands.handle(caller, "/cadence weekly tue").ok
    reply = app.commands.handle(caller, f"/cadence {args}")
    assert not reply.ok and says in reply.text and "\n" not in reply.text
    with app.sessions() as session:
        view = profiles.find(session, caller.identity)
    assert view is not None and (view.cadence, view.weekday) == (Cadence.WEEKLY, 1)


def test_a_weekly_reader_is_due_on_their_weekday_at_their_time() -> None:
    reader = Profile(
        id=1, name="w", criteria="x", timezone="Europe/Berlin", cadence=Cadence.WEEKLY, weekday=3
    )
    thursday_eight = dt.datetime(2025, 6, 5, 6, 0, tzinfo=UTC)  # 08:00 in Berlin (CEST)
    assert due_at(reader, MON) == due_at(reader, WED) == due_at(reader, THU) == thursday_eight
    assert due_at(reader, FRI) == thursday_eight + dt.timedelta(days=7)
    daily = Profile(id=2, name="d", criteria="x", timezone="Europe/Berlin")
    assert due_at(daily, MON) == dt.datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # unchanged


# --- the weekly digest ------------------------------------------------------------------------


async def test_a_weekly_digest_is_the_weeks_best_across_a_holiday(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """Thursday is the weekly reader's day, and the first Thursday is a holiday: they get the
    week so far that morning, and the next Thursday everything since, the holiday's Friday
    included; a daily reader beside them gets each day's digest exactly as before."""
    user(app, WEEKLY, "/cadence weekly thursday")
    user(app, DAILY)
    for day in (MON, TUE, WED):
        ingest(app, tmp_path, day)
        await worker.tick(eight(day))
    assert sent(app, WEEKLY) == {}
    holiday(app, THU)
    await worker.tick(eight(THU))
    assert set(sent(app, WEEKLY)[WED]) == on_topic(MON, TUE, WED)
    for day in (FRI, MON2, TUE2, WED2):
        ingest(app, tmp_path, day)
        await worker.tick(eight(day))
    assert set(sent(app, WEEKLY)) == {WED}
    ingest(app, tmp_path, THU2)
    await worker.tick(eight(THU2))
    assert set(sent(app, WEEKLY)[THU2]) == on_topic(FRI, MON2, TUE2, WED2, THU2)
    assert headers(fake_telegram, WEEKLY) == [
        "This week: the 6 best of 3 announcements",
        "This week: the 10 best of 5 announcements",
    ]
    daily = sent(app, DAILY)
    assert {d: set(ids) for d, ids in daily.items()} == {
        d: on_topic(d) for d in (MON, TUE, WED, FRI, MON2, TUE2, WED2, THU2)
    }
    assert all(line.startswith("2 papers ·") for line in headers(fake_telegram, DAILY))
    never_twice(app, WEEKLY)
    never_twice(app, DAILY)


def test_a_weekly_digest_keeps_top_n_and_thresholds(app: App, tmp_path: Path) -> None:
    """Top 3 of a week: the three best by each day's own scores, of all its days."""
    for day in (MON, TUE, WED):
        ingest(app, tmp_path, day)
    caller = user(app, WEEKLY, "/cadence weekly wed", "/top 3", "/threshold 1 1")
    with app.sessions() as session, session.begin():
        view = profiles.find(session, caller.identity)
        assert view is not None
        digest = app.builder.build(session, view, WED)
        ranked = []
        for day in (MON, TUE, WED):
            papers = paper_store.day_listing(session, day)
            scored = app.scoring.scores_for(
                session, [p for p, _ in papers], view.as_criteria, day=day, profile_id=view.id
            )
            ranked += [(s.relevance + s.novelty, s.relevance, s.paper_id) for s in scored.ranking.scores()]
    best = sorted(ranked, reverse=True)
    assert len(digest.entries) == 3 and digest.span is not None and len(digest.span.days) == 3
    assert [e.total for e in digest.entries] == [t for t, _, _ in best[:3]]
    assert {e.paper.id for e in digest.entries} <= on_topic(MON, TUE, WED)
    assert digest.totals.scanned == 30 and digest.totals.relevant == 30


# --- while you were away ----------------------------------------------------------------------


async def test_after_a_pause_the_next_digest_offers_what_was_missed(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    resting = user(app, RESTER)
    user(app, CONTROL)
    for day in (MON, TUE):
        ingest(app, tmp_path, day)
        await worker.tick(eight(day))
    assert app.commands.handle(resting, "/pause").ok
    ingest(app, tmp_path, WED)
    await worker.tick(eight(WED))
    holiday(app, THU)
    await worker.tick(eight(THU))
    for day in (FRI, MON2):
        ingest(app, tmp_path, day)
        await worker.tick(eight(day))
    assert set(sent(app, RESTER)) == {MON, TUE}
    assert app.commands.handle(resting, "/resume").ok
    ingest(app, tmp_path, TUE2)
    await worker.tick(eight(TUE2))
    assert set(sent(app, RESTER)[TUE2]) == on_topic(WED, FRI, MON2, TUE2)
    ingest(app, tmp_path, WED2)
    await worker.tick(eight(WED2))
    assert sorted(sent(app, RESTER)[WED2]) == sorted(on_topic(WED2))  # back to one day at a time
    lines = headers(fake_telegram, RESTER)
    assert lines[2] == "While you were away: the 8 best of 4 announcements"
    assert [line.startswith("2 papers ·") for line in lines] == [True, True, False, True]
    assert not any("away" in line for line in headers(fake_telegram, CONTROL))
    never_twice(app, RESTER)
    never_twice(app, CONTROL)


async def test_after_a_silence_the_missed_days_come_once_and_a_relisted_paper_once(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The bot was down from Tuesday to Friday: Monday's digest went out, then nothing. Friday
    also cross-lists a paper of Tuesday and one of Monday (delivered already: it never comes
    again). The offline scale is relative to the day, and four papers on topic make Friday's
    relevance 7, hence the threshold."""
    user(app, DAILY, "/threshold 7 7")
    ingest(app, tmp_path, MON)
    await worker.tick(eight(MON))
    ingest(app, tmp_path, TUE)
    ingest(app, tmp_path, WED)
    relisted = {**record(TUE, 0), "announce_type": "cross"}
    again = {**record(MON, 1), "announce_type": "cross"}
    ingest(app, tmp_path, FRI, relisted, again)
    await worker.tick(eight(FRI))
    digests = sent(app, DAILY)
    assert sorted(digests[FRI]) == sorted(on_topic(TUE, WED, FRI))
    assert headers(fake_telegram, DAILY)[1] == "While you were away: the 6 best of 3 announcements"
    never_twice(app, DAILY)


def test_a_long_absence_is_bounded_to_recent_announcements() -> None:
    from core.digest.span import MAX_ANNOUNCEMENTS, MAX_CALENDAR_DAYS, covered

    today = dt.date(2025, 7, 1)
    every_day = [today - dt.timedelta(days=n) for n in range(60)]
    infos = [DayInfo(day=d, status=DayStatus.ANNOUNCED, entries=1) for d in sorted(every_day)]
    asked: list[dt.date] = []

    def announced(first: dt.date) -> list[DayInfo]:
        asked.append(first)
        return [i for i in infos if i.day >= first]

    reader = Profile(id=1, name="r", criteria="x")
    days, span = covered(reader, today, today - dt.timedelta(days=45), announced)
    assert span is not None and span.away and len(days) == MAX_ANNOUNCEMENTS
    assert days[-1].day == today and (today - days[0].day).days < MAX_CALENDAR_DAYS
    assert asked == [today - dt.timedelta(days=MAX_CALENDAR_DAYS - 1)]
    # a reader of yesterday's digest: today's alone, without asking for the days at all
    assert covered(reader, today, today - dt.timedelta(days=1), announced) == ([], None)
    assert covered(reader, today, None, announced) == ([], None)
    assert len(asked) == 1
    # a missed weekend is no absence: the days between hold no announcement
    weekdays = [i for i in infos if i.day.weekday() < 5]
    monday = dt.date(2025, 6, 30)
    infos = weekdays
    assert covered(reader, monday, monday - dt.timedelta(days=3), announced) == ([], None)
    assert len(asked) == 1  # Saturday and Sunday: known without asking
    # a reader of Thursday's digest when Friday was a holiday: Monday alone, no "away"
    infos = [i for i in weekdays if i.day != dt.date(2025, 6, 27)]
    assert covered(reader, monday, monday - dt.timedelta(days=4), announced) == ([], None)
    assert len(asked) == 2
    weekly = Profile(id=2, name="w", criteria="x", cadence=Cadence.WEEKLY, weekday=0)
    days, span = covered(
        weekly, monday, monday - dt.timedelta(days=7), lambda f: [i for i in weekdays if f <= i.day <= monday]
    )
    assert (
        span is not None
        and not span.away
        and [d.day for d in days] == [dt.date(2025, 6, d) for d in (24, 25, 26, 27, 30)]
    )
