"""Commands that set things up: the demo, the schema, ingesting a day, local users."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from collections.abc import Sequence
from importlib import resources

from bot.cli.common import app as _app
from bot.cli.common import progress, warn
from core.errors import InputError

SAMPLE_DAY = dt.date(2025, 6, 18)


def cmd_demo(_args: argparse.Namespace) -> int:
    from bot.compose import build_app
    from bot.settings import Settings
    from core.accounts import add_local_user, local_profile
    from core.digest.render_text import render_text, terminal_width

    with tempfile.TemporaryDirectory(prefix="paperbot-demo-") as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/demo.db", _env_file=None)  # type: ignore[call-arg]
        app = build_app(settings)
        sample = resources.files("core") / "sample"
        with resources.as_file(sample / "sample-day.jsonl.gz") as day_file:
            progress(f"Loading the sample day ({SAMPLE_DAY}) …")
            report = app.ingestor.ingest_file(day_file, day=SAMPLE_DAY)
        criteria = (sample / "default-profile.md").read_text(encoding="utf-8")
        with app.sessions() as session, session.begin():
            add_local_user(session, "demo", criteria=criteria, categories=settings.categories)
        progress(f"Scoring {report.listed} papers offline for the default profile …")
        with app.sessions() as session, session.begin():
            view = local_profile(session, "demo")
            digest = app.builder.build(session, view, SAMPLE_DAY)
        print(render_text(digest, width=terminal_width()))
        print(
            "\nThis was the offline demo. Next: `paperbot user add NAME --topics-file FILE`, "
            "`paperbot ingest`, `paperbot digest --user NAME --date D` (see README)."
        )
        app.engine.dispose()
    return 0


def cmd_db(_args: argparse.Namespace) -> int:
    from storage import migrate

    app = _app(upgrade_schema=False)
    before = migrate.current_revision(app.engine)
    if migrate.upgrade(app.engine):
        after = migrate.current_revision(app.engine)
        print(f"schema upgraded from {before} to {after}" if before else f"schema created at {after}")
    else:
        print(f"schema is up to date ({before})")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from core.commands import validate

    app = _app()
    categories = validate.categories(args.categories) if args.categories else app.settings.categories
    if args.file is not None:
        if args.date is None:
            raise InputError("--file needs --date: the announcement day the listing belongs to")
        check_file_day(args.date)
        progress(f"Loading {args.file} …")
        report = app.ingestor.ingest_file(
            args.file, day=args.date, categories=categories if args.categories else ()
        )
    else:
        progress(f"Fetching the latest announcement of {', '.join(categories)} from arXiv …")
        report = app.ingestor.ingest_live(categories=categories, day=args.date)
    if report.status == "quiet":
        print(f"{report.day}: no announcement (quiet day) recorded")
        return 0
    skipped = f", skipped malformed lines {_lines(report.skipped_lines)}" if report.skipped_lines else ""
    print(
        f"{report.day}: {report.listed} papers listed ({report.added} new to the database, "
        f"{report.updated} updated){skipped}"
    )
    return 0


def check_file_day(day: dt.date, now: dt.datetime | None = None) -> None:
    """A saved listing cannot be from a day arXiv has not announced yet: that would become
    "the latest announcement" for every digest. The evening's announcement is dated the next
    day (US Eastern), so tomorrow is the latest day accepted. Weekend days only get a warning:
    arXiv announces nothing then, but an operator may know better."""
    from core.day import DailyRun

    latest = DailyRun.expected_day(now or dt.datetime.now(dt.UTC))
    if day > latest:
        raise InputError(f"--date {day} is in the future: arXiv has not announced it yet (latest: {latest})")
    if day.weekday() >= 5:
        warn(f"{day} is a {day:%A}: arXiv announces nothing on weekends; loading it anyway")


def _lines(numbers: Sequence[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def cmd_user(args: argparse.Namespace) -> int:
    from core.accounts import add_local_user

    try:
        criteria = args.topics_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read topics file {args.topics_file}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    app = _app()
    with app.sessions() as session, session.begin():
        _, created = add_local_user(
            session,
            args.name,
            criteria=criteria,
            categories=app.settings.categories,
            top=args.top,
            min_relevance=args.min_relevance,
            min_novelty=args.min_novelty,
        )
    print(f"user {args.name} {'created' if created else 'updated'}")
    return 0
