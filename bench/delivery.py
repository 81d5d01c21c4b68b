"""Delivery with several worker processes: 50,000 Slack channels over many workspaces and
10,000 Telegram users (× `--scale`), all due at one minute of the real day 2025-06-03, sent
by `--workers` real processes on one database (`--database`, SQLite by default).

The fakes run in their own processes: a Bot API enforcing Telegram's 30 messages per second,
and a Slack Web API enforcing about one message per second per channel and a workspace-wide
limit (bench/fake_slack_rated.py). Each worker is `DeliveryWorker` with the leader lease as
`paperbot run --role worker` uses them: the leader sends Telegram, every worker claims Slack.
`--kill` SIGKILLs the worker holding the leader lease once a third of the digests are out
(with one worker, a fresh one is started in its place, as a supervisor would), then measures
what it had in flight: the deliveries it held mid-send and the messages the fakes had accepted
that its journal had not recorded. Those are the only duplicates a kill may cause.

Prints the command line with the machine's load, ingest and scoring time, the time from
ingest to the last digest, Slack throughput, Telegram's time against its floor (messages ÷
30 s), missed deliveries, duplicates per message, per paper and per digest (and, after a kill,
those beyond the messages in flight), peak memory per worker, and CPU seconds per process with
the share of the machine busy during the fan-out: on a shared machine a figure is CPU-bound
when the workers' CPU seconds stop growing with their number while the machine is ~100% busy.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import col, func, select

from bench.common import peak_memory_mb, shared_dir
from bench.delivery_data import DUE, fresh_database, profiles
from bench.delivery_report import KillWindow, busy_share, cpu_ticks, duplicates, load
from bench.fake_slack_rated import serve as serve_slack
from bot.compose import build_app
from bot.settings import Settings
from storage import lease
from storage.bulk import insert_ignoring_duplicates
from storage.engine import database_url
from storage.tables import Delivery, Profile

DAY = dt.date(2025, 6, 3)
LIMIT = 30


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, embeddings="off")  # type: ignore[call-arg]


# --- the fake Bot API in its own process ---------------------------------------------------


def serve_telegram(conn: Any, limit: int) -> None:
    """Answers "snapshot" with the messages per chat so far, anything else with the record."""
    import gc

    from bench.fake_slack_rated import PAPER, cpu_seconds
    from tests.fakes.telegram_server import FakeTelegram

    gc.disable()
    with FakeTelegram(overall_limit=limit) as fake:
        stamped = fake._message

        def message(p: dict[str, Any], text: str | None = None) -> dict[str, Any]:
            return stamped(p, text) | {"at": time.time(), "papers": PAPER.findall(str(p.get("text", "")))}

        fake._message = message  # type: ignore[method-assign]
        conn.send((fake.base_url, fake.token))
        while conn.recv() == "snapshot":
            with fake.lock:
                conn.send(collections.Counter(str(m["chat"]["id"]) for m in fake.accepted))
        with fake.lock:
            record = [(m["at"], str(m["chat"]["id"]), tuple(m["papers"]), m["text"].startswith("paperbot ·"))
                      for m in fake.accepted]  # fmt: skip
        conn.send((record, len(fake.rejected), cpu_seconds()))


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
        report = await worker.tick(leader=lambda: state["leader"])  # a takeover starts Telegram at once
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"sent": sent, "peak_mb": round(peak_memory_mb()), "cpu_s": cpu}), flush=True)


# --- the parent: data, fakes, workers, figures ---------------------------------------------


def kill_leader(app: Any, workers: list[subprocess.Popen[bytes]], pipes: list[Any]) -> KillWindow:
    """SIGKILL the worker holding the leader lease; once it is dead (and the fakes have
    answered what was on the wire), measure what it had in flight."""
    with app.sessions() as session:
        owner = lease.holder(session, "scheduler", now=dt.datetime.now(dt.UTC)) or ""
    pid = int(owner.split(":")[1]) if owner.count(":") >= 2 else workers[0].pid
    victim = next((w for w in workers if w.pid == pid), workers[0])
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    time.sleep(0.5)  # requests already read by a fake are answered (accepted) by now
    accepted: collections.Counter[str] = collections.Counter()
    for pipe in pipes:
        pipe.send("snapshot")
        accepted.update(pipe.recv())
    with app.sessions() as session:  # its rows cannot have been taken over yet: their lease runs
        rows = select(Delivery, Profile).join(Profile, col(Profile.id) == col(Delivery.profile_id))
        held = session.exec(
            rows.where(col(Delivery.state) == "pending", col(Delivery.owner).like(f"%:{pid}:%"))
        )
        journal = {p.platform_id: len(d.message_ids) for d, p in held}  # fmt: skip
    return KillWindow.measure(journal, accepted)


def main(args: argparse.Namespace) -> None:
    slack_users, telegram_users = int(50_000 * args.scale), int(10_000 * args.scale)
    total = slack_users + telegram_users
    workspaces = max(1, slack_users // args.per_workspace_users)
    shown = " ".join(a if "://" not in a else database_url(a).render_as_string(hide_password=True)
                     for a in sys.argv[1:])  # fmt: skip
    print(f"$ python bench/delivery.py {shown}   [{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {load()}]")
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
    scored, ticks = time.time(), cpu_ticks()
    os.environ["PAPERBOT_BENCH_DATABASE"] = url  # not on the command line: ps shows arguments
    command = [sys.executable, __file__, "--child", "--telegram-url", tg_url,
               "--telegram-token", tg_token, "--slack-url", slack_url, "--total", str(total),
               "--concurrency", str(args.concurrency), "--lease", str(args.lease)]  # fmt: skip
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(args.workers)]
    window: KillWindow | None = None
    while any(w.poll() is None for w in workers):
        time.sleep(0.2)
        if args.kill and window is None:
            with app.sessions() as session:
                done = session.exec(select(func.count()).select_from(Delivery).where(
                    col(Delivery.state) == "sent")).one()  # fmt: skip
            if done >= total / 3:
                window = kill_leader(app, workers, [tg_pipe, slack_pipe])
                if args.workers == 1:  # a supervisor restarts it
                    workers.append(subprocess.Popen(command, stdout=subprocess.PIPE))
    finished, busy, load_after = time.time(), busy_share(ticks, cpu_ticks()), load()
    outputs = [json.loads(w.stdout.read() or b"null") if w.returncode == 0 else None for w in workers]  # type: ignore[union-attr]
    tg_pipe.send("stop")
    tg_accepted, tg_rejected, tg_cpu = tg_pipe.recv()
    slack_pipe.send("stop")
    slack_accepted, slack_rejected, slack_cpu = slack_pipe.recv()
    tg_process.join(timeout=10)
    slack_process.join(timeout=10)

    with app.sessions() as session:
        journal = {p.platform_id: len(d.message_ids) for d, p in session.exec(
            select(Delivery, Profile).join(Profile, col(Profile.id) == col(Delivery.profile_id))
        )}  # fmt: skip
        states = collections.Counter(session.exec(select(Delivery.state)).all())
    app.engine.dispose()
    drop()
    sent = [(c, p, first) for _, c, p, first in tg_accepted]
    sent += [(c, p, first) for _, c, first, p in slack_accepted]
    dup = duplicates(sent, journal, window)
    slack_digests = sum(1 for _, _, first, _ in slack_accepted if first)
    missed = total - states["sent"]
    slack_times = sorted(t for t, *_ in slack_accepted) or [scored]
    slack_span = slack_times[-1] - slack_times[0]  # first to last message: worker start-up aside
    tg_times = sorted(t for t, *_ in tg_accepted) or [scored]
    tg_span = tg_times[-1] - tg_times[0]
    floor = len(tg_accepted) / LIMIT
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    memory = ", ".join(f"{o['peak_mb']} MB" if o else "killed" for o in outputs)
    cpu = ", ".join(f"{o['cpu_s']:.0f} s" if o else "killed" for o in outputs)
    kill = ", leader SIGKILLed once 1/3 were sent" if window else ""
    print(f"{database}, {args.workers} worker(s){kill}; scale {args.scale}: {slack_users} Slack channels "
          f"in {workspaces} workspaces + {telegram_users} Telegram users, all due {DUE:%H:%M} UTC; "
          f"day {DAY}: {report.listed} papers; up to {args.concurrency} digests in flight per platform "
          f"per worker")  # fmt: skip
    print(f"ingest {ingested - started:.1f} s, scoring {scored - ingested:.1f} s, fan-out "
          f"{finished - scored:.1f} s → ingest to last digest: {finished - started:.1f} s")  # fmt: skip
    print(f"Slack: {len(slack_accepted)} messages ({slack_digests} digests) in {slack_span:.1f} s = "
          f"{len(slack_accepted) / max(slack_span, 1e-9):.1f} msg/s; "
          f"429s answered: {slack_rejected}")  # fmt: skip
    print(f"Telegram: {len(tg_accepted)} messages, first to last {tg_span:.1f} s; "
          f"floor {floor:.1f} s at {LIMIT} msg/s → "
          f"{tg_span / max(floor, 1e-9):.2f} × the floor; over-limit rejections: {tg_rejected}")  # fmt: skip
    print(f"deliveries sent/pending/failed: {states['sent']}/{states['pending']}/{states['failed']}; "
          f"missed {missed}; duplicates: {dup.messages} messages, {dup.papers} papers, "
          f"{dup.digests} digests")  # fmt: skip
    if window is not None:
        print(
            f"kill: the leader held {window.held} deliveries mid-send; {window.in_flight} messages "
            f"accepted but not yet journalled when it died; duplicates beyond those: {dup.beyond_kill}"
        )
    print(f"peak memory per worker: {memory}; parent {peak_memory_mb():.0f} MB")
    print(f"CPU during fan-out: machine {busy:.0%} busy of {os.cpu_count()} cores, {load_after}; "
          f"workers {cpu}, fake Telegram {tg_cpu:.0f} s, fake Slack {slack_cpu:.0f} s, "
          f"fan-out wall {finished - scored:.0f} s")  # fmt: skip


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
