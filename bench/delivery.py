"""Delivery with several worker processes: 50,000 Slack channels over many workspaces and
10,000 Telegram users (× `--scale`), all due at one minute of the real day 2025-06-03, sent
by `--workers` real processes on one database (`--database`, SQLite by default).

The fakes run in their own processes: a Bot API enforcing Telegram's 30 messages per second,
and a Slack Web API enforcing about one message per second per channel and a workspace-wide
limit (bench/fake_slack_rated.py). Each worker is `DeliveryWorker` with the leader lease as
`paperbot run --role worker` uses them: the leader sends Telegram, every worker claims Slack.
`--kill` SIGKILLs the leader once a third of the digests are out (with one worker, a fresh
one is started in its place, as a supervisor would).

Prints ingest and scoring time, the time from ingest to the last digest, Slack throughput,
Telegram's time against its floor (messages ÷ 30 s), duplicates, missed and peak memory per
worker.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import col, func, select

from bench.common import peak_memory_mb, shared_dir
from bench.fake_slack_rated import serve as serve_slack
from bench.scale import EXCLUDED, generate_criteria
from bot.compose import build_app
from bot.settings import Settings
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Delivery, Profile

DAY = dt.date(2025, 6, 3)
DUE = dt.datetime(2025, 6, 3, 8, 0, tzinfo=dt.UTC)  # everyone's local time maps to this minute
LIMIT = 30
ZONES = ["America/Los_Angeles", "America/New_York", "UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "Asia/Kathmandu"]  # fmt: skip


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, embeddings="off")  # type: ignore[call-arg]


# --- the fake Bot API in its own process ---------------------------------------------------


def serve_telegram(conn: Any, limit: int) -> None:
    import gc

    from tests.fakes.telegram_server import FakeTelegram

    gc.disable()
    with FakeTelegram(overall_limit=limit) as fake:
        stamped = fake._message

        def message(p: dict[str, Any], text: str | None = None) -> dict[str, Any]:
            return stamped(p, text) | {"at": time.time()}

        fake._message = message  # type: ignore[method-assign]
        conn.send((fake.base_url, fake.token))
        conn.recv()
        conn.send(([(m["at"], m["chat"]["id"]) for m in fake.accepted], len(fake.rejected)))


def start(target: Any, *args: Any) -> tuple[Any, multiprocessing.Process, Any]:
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=target, args=(theirs, *args), daemon=True)
    process.start()
    return ours, process, ours.recv()


# --- one worker process --------------------------------------------------------------------


async def child(args: argparse.Namespace) -> None:
    from bot.slack.adapter import SlackAdapter
    from bot.telegram.adapter import TelegramAdapter
    from core.deliver.worker import DeliveryWorker
    from storage import lease

    app = build_app(settings_for(args.database), upgrade_schema=False)
    telegram = TelegramAdapter(core=app.commands, token=args.telegram_token, base_url=args.telegram_url,
                               receive=False)  # fmt: skip
    slack = SlackAdapter(core=app.commands, signing_secret="bench", base_url=args.slack_url,
                         token="xoxb-bench", receive=False)  # fmt: skip
    await telegram.start()
    senders = {"telegram": telegram, "slack": slack}
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders=senders,  # type: ignore[arg-type]
                            concurrency=args.concurrency, lease_seconds=args.lease)  # fmt: skip
    sent = 0

    def lead() -> bool:
        with app.sessions() as session, session.begin():
            return lease.acquire(session, "scheduler", owner=worker.owner, now=dt.datetime.now(dt.UTC),
                                 seconds=args.lease)  # fmt: skip

    async def renew(state: dict[str, bool]) -> None:
        while True:
            state["leader"] = await asyncio.to_thread(lead)
            await asyncio.sleep(args.lease / 3)

    state = {"leader": await asyncio.to_thread(lead)}
    renewing = asyncio.create_task(renew(state))
    while True:
        report = await worker.tick(leader=state["leader"])
        sent += report.sent
        with app.sessions() as session:
            retrying = (col(Delivery.state) == "failed") & col(Delivery.next_attempt_at).is_not(None)
            open_rows = session.exec(select(func.count()).select_from(Delivery).where(
                (col(Delivery.state) == "pending") | retrying)).one()  # fmt: skip
            rows = session.exec(select(func.count()).select_from(Delivery)).one()
        if rows >= args.total and open_rows == 0:
            break
        if not report.outcomes:
            await asyncio.sleep(0.5)
    renewing.cancel()
    with app.sessions() as session, session.begin():
        lease.release(session, "scheduler", owner=worker.owner)
    await telegram.stop()
    print(json.dumps({"sent": sent, "peak_mb": round(peak_memory_mb())}), flush=True)


# --- the parent: data, fakes, workers, figures ---------------------------------------------


def fresh_database(url: str) -> tuple[str, Any]:
    """SQLite: a file in a temporary folder. PostgreSQL: a new database on that server."""
    if not url.startswith(("postgres://", "postgresql")):
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench.db", lambda: None
    from sqlalchemy import text

    from storage.engine import database_url, make_engine

    name = f"paperbot_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return database_url(url).set(database=name).render_as_string(hide_password=False), drop


def profiles(slack: int, telegram: int, workspaces: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(slack + telegram):
        zone = ZONES[n % len(ZONES)]
        if n < slack:
            place = {"platform": "slack", "workspace": f"T{n % workspaces}", "kind": "channel",
                     "platform_id": f"C{n % workspaces}x{n}"}  # fmt: skip
        else:
            place = {
                "platform": "telegram",
                "workspace": "",
                "kind": "user",
                "platform_id": str(10_000_000 + n),
            }
        rows.append(place | {
            "display_name": f"u{n}", "criteria": generate_criteria(rng), "keywords_require": [],
            "keywords_exclude": rng.sample(EXCLUDED, rng.randint(0, 1)), "authors": [],
            "categories": ["cs.LG", "cs.AI"], "top_n": 10, "min_relevance": 8, "min_novelty": 7,
            "timezone": zone, "delivery_time": DUE.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
            "paused": False, "active": True, "created_at": now, "updated_at": now,
        })  # fmt: skip
    return rows


def main(args: argparse.Namespace) -> None:
    slack_users, telegram_users = int(50_000 * args.scale), int(10_000 * args.scale)
    workspaces = max(1, slack_users // args.per_workspace_users)
    url, drop = fresh_database(args.database)
    app = build_app(settings_for(url))
    with app.sessions() as session, session.begin():
        insert_ignoring_duplicates(session, Profile, profiles(slack_users, telegram_users, workspaces))
    tg_pipe, tg_process, (tg_url, tg_token) = start(serve_telegram, LIMIT)
    slack_pipe, slack_process, slack_url = start(serve_slack, args.workspace_rate)
    listing = shared_dir() / "data" / "arxiv-days" / f"{DAY}.jsonl.gz"

    started = time.time()
    report = app.ingestor.ingest_file(listing, day=DAY)
    ingested = time.time()
    app.daily.score(DAY)
    scored = time.time()
    os.environ["PAPERBOT_BENCH_DATABASE"] = url  # not on the command line: ps shows arguments
    command = [sys.executable, __file__, "--child", "--telegram-url", tg_url,
               "--telegram-token", tg_token, "--slack-url", slack_url,
               "--total", str(slack_users + telegram_users),
               "--concurrency", str(args.concurrency), "--lease", str(args.lease)]  # fmt: skip
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(args.workers)]
    killed = False
    total = slack_users + telegram_users
    while any(w.poll() is None for w in workers):
        time.sleep(0.2)
        if args.kill and not killed:
            with app.sessions() as session:
                done = session.exec(select(func.count()).select_from(Delivery).where(
                    col(Delivery.state) == "sent")).one()  # fmt: skip
            if done >= total / 3:
                workers[0].send_signal(signal.SIGKILL)  # the first one leads
                killed = True
                if args.workers == 1:  # a supervisor restarts it
                    workers.append(subprocess.Popen(command, stdout=subprocess.PIPE))
    finished = time.time()
    outputs = [json.loads(w.stdout.read() or b"null") if w.returncode == 0 else None for w in workers]  # type: ignore[union-attr]
    tg_pipe.send("stop")
    tg_accepted, tg_rejected = tg_pipe.recv()
    slack_pipe.send("stop")
    slack_accepted, slack_rejected = slack_pipe.recv()
    tg_process.join(timeout=10)
    slack_process.join(timeout=10)

    with app.sessions() as session:
        journal = {p.platform_id: len(d.message_ids) for d, p in session.exec(
            select(Delivery, Profile).join(Profile, col(Profile.id) == col(Delivery.profile_id))
        )}  # fmt: skip
        states = collections.Counter(session.exec(select(Delivery.state)).all())
    app.engine.dispose()
    drop()
    per_target = collections.Counter([str(c) for _, c in tg_accepted] + [c for _, c, _ in slack_accepted])
    duplicates = sum(max(n - journal.get(target, 0), 0) for target, n in per_target.items())
    slack_digests = sum(1 for _, _, first in slack_accepted if first)
    missed = total - states["sent"]
    slack_times = sorted(t for t, _, _ in slack_accepted) or [scored]
    slack_span = slack_times[-1] - slack_times[0]  # first to last message: worker start-up aside
    tg_times = sorted(t for t, _ in tg_accepted) or [scored]
    tg_span = tg_times[-1] - tg_times[0]
    floor = len(tg_accepted) / LIMIT
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    memory = ", ".join(f"{o['peak_mb']} MB" if o else "killed" for o in outputs)
    kill = ", leader killed at 1/3" if killed else ""
    print(f"{database}, {args.workers} worker(s){kill}; scale {args.scale}: {slack_users} Slack channels "
          f"in {workspaces} workspaces + {telegram_users} Telegram users, all due {DUE:%H:%M} UTC; "
          f"day {DAY}: {report.listed} papers")  # fmt: skip
    print(f"ingest {ingested - started:.1f} s, scoring {scored - ingested:.1f} s, fan-out "
          f"{finished - scored:.1f} s → ingest to last digest: {finished - started:.1f} s")  # fmt: skip
    print(f"Slack: {len(slack_accepted)} messages ({slack_digests} digests) in {slack_span:.1f} s = "
          f"{len(slack_accepted) / max(slack_span, 1e-9):.1f} msg/s; "
          f"429s answered: {slack_rejected}")  # fmt: skip
    print(f"Telegram: {len(tg_accepted)} messages, first to last {tg_span:.1f} s; "
          f"floor {floor:.1f} s at {LIMIT} msg/s → "
          f"{tg_span / max(floor, 1e-9):.2f} × the floor; over-limit rejections: {tg_rejected}")  # fmt: skip
    print(f"deliveries sent/pending/failed: {states['sent']}/{states['pending']}/{states['failed']}; "
          f"missed {missed}; duplicate messages {duplicates}; peak memory per worker: {memory}; "
          f"parent {peak_memory_mb():.0f} MB")  # fmt: skip


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", default="sqlite", help="a PostgreSQL URL (a scratch database is made)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 50,000 + 10,000 users")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the leader once a third is out")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--lease", type=float, default=5.0, help="worker lease seconds (production: 60)")
    parser.add_argument("--per-workspace-users", type=int, default=100)
    parser.add_argument("--workspace-rate", type=float, default=10.0, help="Slack messages/s per workspace")
    parser.add_argument("--shared", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name in ("--telegram-url", "--telegram-token", "--slack-url"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = options()
    if arguments.child:
        os.environ.pop("DATABASE_URL", None)
        arguments.database = os.environ["PAPERBOT_BENCH_DATABASE"]
        asyncio.run(child(arguments))
    else:
        main(arguments)
