"""Commands an operator runs: scoring, LLM usage, production, status."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from bot.cli.common import app as _app
from bot.cli.common import progress
from core.errors import InputError

if TYPE_CHECKING:
    from bot.compose import App


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
        progress(f"Waiting for batch results until {deadline:%Y-%m-%d %H:%M} UTC …")
        collected, rest = app.daily.collect(day, deadline=deadline)
        fallback = ", the rest synchronously" if collected.abandoned else ""
        print(
            f"{day}: {collected.scored} scores collected from the batch{fallback}; "
            f"{rest.distinct_criteria} distinct criteria complete"
        )
        return 0
    progress(f"Scoring {day} for every distinct criteria …")
    report = app.daily.score(day)
    print(
        f"{day}: {report.distinct_criteria} distinct criteria scored for {report.profiles} profiles "
        f"(scorer: {app.scoring.label})"
    )
    return 0


def _latest_day(app: App) -> dt.date:
    from storage import papers as paper_store

    with app.sessions() as session:
        day = paper_store.latest_day(session)
    if day is None:
        raise InputError("no announcement has been ingested yet; run `paperbot ingest` first")
    return day


def cmd_usage(args: argparse.Namespace) -> int:
    from storage import usage as usage_store

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
