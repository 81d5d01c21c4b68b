"""The `paperbot` command line (interfaces.md): the operator's entry point.

Errors from the core become one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.compose import App, build_app
from bot.console import chat
from bot.settings import Settings
from core.accounts import add_local_user, local_profile
from core.commands import validate
from core.digest.render_json import render_json
from core.digest.render_markdown import render_markdown
from core.digest.render_text import render_text
from core.errors import InputError, PaperbotError
from core.learning import ratings
from core.models import Direction, Vote
from storage import dberrors, migrate
from storage import papers as paper_store
from storage import usage as usage_store
from storage.engine import hide_password

SAMPLE_DAY = dt.date(2025, 6, 18)
EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="paperbot", description="Personalised daily arXiv digests.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    sub.add_parser("demo", help="offline demo: sample day, default profile, printed digest")

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: create or migrate the schema")

    ingest = sub.add_parser("ingest", help="load an announcement day (live or from a file)")
    ingest.add_argument("--date", type=_date, help="announcement date YYYY-MM-DD")
    ingest.add_argument("--categories", help="comma-separated, default from settings")
    ingest.add_argument("--file", type=Path, help="a saved listing (.jsonl or .jsonl.gz)")

    user = sub.add_parser("user", help="manage local users")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    add = user_sub.add_parser("add", help="create a local user, or update one")
    add.add_argument("name")
    add.add_argument("--topics-file", type=Path, required=True)
    add.add_argument("--top", type=int)
    add.add_argument("--min-relevance", type=int)
    add.add_argument("--min-novelty", type=int)

    digest = sub.add_parser("digest", help="score a day for a user and print the digest")
    digest.add_argument("--user", required=True)
    digest.add_argument("--date", type=_date, required=True)
    digest.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    digest.add_argument("--all", action="store_true", help="every scanned paper in rank order")

    rate = sub.add_parser("rate", help="record 👍/👎 as a chat button would")
    rate.add_argument("--user", required=True)
    rate.add_argument("--up", nargs="+", default=[], metavar="ID")
    rate.add_argument("--down", nargs="+", default=[], metavar="ID")

    chat_cmd = sub.add_parser("chat", help="chat commands from stdin, answers on stdout")
    chat_cmd.add_argument("--user", required=True)

    score = sub.add_parser("score", help="score a day once for every distinct criteria")
    score.add_argument("--date", type=_date, help="default: the latest announcement")
    mode = score.add_mutually_exclusive_group()
    mode.add_argument("--batch", action="store_true", help="submit to the OpenAI Batch API (half price)")
    mode.add_argument(
        "--collect",
        action="store_true",
        help="collect batch results, then score what is missing synchronously",
    )
    score.add_argument(
        "--deadline",
        type=_moment,
        help="with --collect: stop waiting at this ISO time (default: the earliest delivery)",
    )

    usage = sub.add_parser("usage", help="LLM tokens and cost of a day, over all users")
    usage.add_argument("--date", type=_date, help="default: today (UTC)")

    run = sub.add_parser(
        "run", help="production: the configured chat adapters, the web server and the daily scheduler"
    )
    run.add_argument(
        "--role", choices=["all", "worker", "web"], default="all",
        help="worker: scheduler + polling/Socket Mode; web: HTTP endpoints only; all: both (default)",
    )  # fmt: skip
    sub.add_parser("status", help="latest announcement, scoring state, today's deliveries and last errors")
    return parser


def _date(raw: str) -> dt.date:
    try:
        return validate.date(raw)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed in one line
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logs.install()  # no token, key or password in any log line or error message
    try:
        return COMMANDS[args.command](args)
    except PaperbotError as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValidationError, SettingsError) as exc:
        print(f"paperbot: error: invalid setting: {_first_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as exc:  # read-only file, full disk, server gone: one line, no SQL
        logging.getLogger("paperbot").debug("database error", exc_info=True)
        print(f"paperbot: error: {dberrors.describe(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: no traceback for operators
        logging.getLogger("paperbot").debug("internal error", exc_info=True)
        detail = hide_password(str(exc))
        print(
            f"paperbot: internal error: {type(exc).__name__}: {detail} (run with -v for details)",
            file=sys.stderr,
        )
        return 1


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{str(first['loc'][0]).upper()}: {first['msg']}"
    return str(exc).splitlines()[0]


def _app(**kwargs: object) -> App:
    return build_app(Settings(), **kwargs)  # type: ignore[arg-type]


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def cmd_demo(_args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="paperbot-demo-") as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/demo.db", _env_file=None)  # type: ignore[call-arg]
        app = build_app(settings)
        sample = resources.files("core") / "sample"
        with resources.as_file(sample / "sample-day.jsonl.gz") as day_file:
            _progress(f"Loading the sample day ({SAMPLE_DAY}) …")
            report = app.ingestor.ingest_file(day_file, day=SAMPLE_DAY)
        criteria = (sample / "default-profile.md").read_text(encoding="utf-8")
        with app.sessions() as session, session.begin():
            add_local_user(session, "demo", criteria=criteria, categories=settings.categories)
        _progress(f"Scoring {report.listed} papers offline for the default profile …")
        with app.sessions() as session, session.begin():
            view = local_profile(session, "demo")
            digest = app.builder.build(session, view, SAMPLE_DAY)
        print(render_text(digest))
        print(
            "\nThis was the offline demo. Next: `paperbot user add NAME --topics-file FILE`, "
            "`paperbot ingest`, `paperbot digest --user NAME --date D` (see README)."
        )
        app.engine.dispose()
    return 0


def cmd_db(_args: argparse.Namespace) -> int:
    app = _app(upgrade_schema=False)
    changed = migrate.upgrade(app.engine)
    print("schema upgraded to", migrate.current_revision(app.engine) if changed else "", end="")
    print("" if changed else f"schema is up to date ({migrate.current_revision(app.engine)})")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    app = _app()
    categories = validate.categories(args.categories) if args.categories else app.settings.categories
    if args.file is not None:
        if args.date is None:
            raise InputError("--file needs --date: the announcement day the listing belongs to")
        _progress(f"Loading {args.file} …")
        report = app.ingestor.ingest_file(
            args.file, day=args.date, categories=categories if args.categories else ()
        )
    else:
        _progress(f"Fetching the latest announcement of {', '.join(categories)} from arXiv …")
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


def _lines(numbers: Sequence[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def cmd_user(args: argparse.Namespace) -> int:
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


def cmd_digest(args: argparse.Namespace) -> int:
    app = _app()
    with app.sessions() as session, session.begin():
        view = local_profile(session, args.user)
        _progress(f"Scoring {args.date} for {args.user} …")
        if args.all:
            digest = app.builder.build(session, view, args.date, ranked_all=True)
        else:
            digest = app.builder.build_and_record(session, view, args.date)
    renderers = {
        "text": render_text,
        "json": render_json,
        "markdown": lambda d: render_markdown(d, view),
    }
    print(renderers[args.format](digest))
    return 0


def cmd_rate(args: argparse.Namespace) -> int:
    if not args.up and not args.down:
        raise InputError("give at least one --up ID or --down ID")
    app = _app()
    with app.sessions() as session, session.begin():
        profile = local_profile(session, args.user)
        assert profile.id is not None
        votes = [Vote(i, Direction.UP) for i in args.up] + [Vote(i, Direction.DOWN) for i in args.down]
        done = [ratings.rate(session, profile_id=profile.id, vote=v) for v in votes]
    for (paper, _), vote in zip(done, votes, strict=True):
        print(f"{vote.thumb} {paper.id} {paper.title}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    app = _app()
    with app.sessions() as session:
        local_profile(session, args.user)  # unknown users get the one-line error
    chat(app.commands, args.user, sys.stdin, sys.stdout, files=Path.cwd())
    return 0


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give an ISO time like 2025-06-04T06:00+00:00, not {raw[:30]!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cmd_score(args: argparse.Namespace) -> int:
    app = _app()
    day = args.date or _latest_day(app)
    if args.batch:
        submitted = app.daily.submit(day)
        print(
            f"{day}: submitted {submitted.requests} requests as batch {submitted.batch_id}"
            if submitted.batch_id
            else f"{day}: nothing to submit, every paper is scored already"
        )
        return 0
    if args.collect:
        deadline = args.deadline or app.daily.deadline(day) or dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        _progress(f"Waiting for batch results until {deadline:%Y-%m-%d %H:%M} UTC …")
        collected, rest = app.daily.collect(day, deadline=deadline)
        fallback = ", the rest synchronously" if collected.abandoned else ""
        print(
            f"{day}: {collected.scored} scores collected from the batch{fallback}; "
            f"{rest.distinct_criteria} distinct criteria complete"
        )
        return 0
    _progress(f"Scoring {day} for every distinct criteria …")
    report = app.daily.score(day)
    print(
        f"{day}: {report.distinct_criteria} distinct criteria scored for {report.profiles} profiles "
        f"(scorer: {app.scoring.label})"
    )
    return 0


def _latest_day(app: App) -> dt.date:
    with app.sessions() as session:
        day = paper_store.latest_day(session)
    if day is None:
        raise InputError("no announcement has been ingested yet; run `paperbot ingest` first")
    return day


def cmd_usage(args: argparse.Namespace) -> int:
    app = _app()
    day = args.date or dt.datetime.now(dt.UTC).date()
    with app.sessions() as session:
        parts = usage_store.by_model(session, day=day)
        calls = usage_store.calls_on(session, day)
    if not parts:
        print(f"{day}: no LLM calls")
        return 0
    for u in parts:
        print(
            f"{day} {u.model}: {u.prompt_tokens} prompt ({u.cached_tokens} cached) + "
            f"{u.completion_tokens} completion tokens"
            + (f" ({u.reasoning_tokens} reasoning)" if u.reasoning_tokens else "")
            + f", ${u.cost_usd:.4f}"
        )
    print(f"{day} total: {calls} calls, ${sum(u.cost_usd for u in parts):.4f}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from bot.run import run

    asyncio.run(run(_app(), role=args.role))  # configuration errors surface before anything starts
    return 0


def cmd_status(_args: argparse.Namespace) -> int:
    from core.status import status_lines

    app = _app()
    with app.sessions() as session:
        print("\n".join(status_lines(session, app.scoring)))
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "db": cmd_db,
    "ingest": cmd_ingest,
    "user": cmd_user,
    "digest": cmd_digest,
    "rate": cmd_rate,
    "chat": cmd_chat,
    "score": cmd_score,
    "usage": cmd_usage,
    "run": cmd_run,
    "status": cmd_status,
}

if __name__ == "__main__":
    sys.exit(main())
