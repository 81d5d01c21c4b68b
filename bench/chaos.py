# ruff: noqa: E501  (the printed lines read best whole)
"""Chaos during a fan-out: users on Telegram and Slack all due at one minute, delivered by a
real `paperbot run --role worker` process against the loopback fakes, while

- the worker is SIGKILLed `--kills` times at random points (and restarted at once),
- a second worker is started and stopped in the middle (an overlapping deploy),
- one user changes settings and votes between every kill,
- the fake platforms answer `--fault-rate` of calls with 429/500 and the fake OpenAI gives
  that share of garbage answers.

Prints digests delivered, papers promised vs delivered (read back from the signed vote
buttons of the messages the fakes accepted), duplicate messages (target: none beyond one per
kill in flight; no paper lost), final failures, and the time to the last digest against the
same run without faults.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, scratch_app, shared_dir
from bench.scale import generate_criteria
from bot.buttons import ButtonSigner, button_secret
from bot.compose import App
from bot.slack.adapter import subject
from core.commands.core import Caller
from core.models import Identity
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Delivery, Profile
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram

SIGNING, SLACK_TOKEN = "chaos-signing-secret-0123", "xoxb-T1-chaos-0123456789"
CHANGES = ["/top 5", "/top 30", "/threshold 3 2", "/keywords exclude survey", "/keywords clear", "/top 12"]


@dataclass
class Outcome:
    delivered: int
    promised: int
    papers_delivered: int
    lost: int
    duplicate_messages: int
    duplicate_papers: int
    final_failures: int
    unfinished: int
    seconds: float
    in_flight: list[int]  # per kill: deliveries the killed worker held (at most one message each in flight)
    unjournaled: list[int]  # at each kill: messages accepted by a platform and in no journal, so far
    max_attempts_seen: int
    final_reasons: Counter[str]
    telegram_messages: int
    slack_messages: int
    timeline: str  # when the first message went out, and each platform's last


def _profiles(users: int, now: dt.datetime) -> list[dict[str, object]]:
    rng = random.Random(17)
    pool = [generate_criteria(rng) for _ in range(12)]  # a few distinct criteria, as in real use
    rows: list[dict[str, object]] = []
    for n in range(users):
        telegram = n % 2 == 0
        rows.append({"platform": "telegram" if telegram else "slack", "workspace": "" if telegram else "T1",
                     "platform_id": str(10_000_000 + n) if telegram else f"U{n}", "kind": "user",
                     "display_name": f"u{n}", "criteria": pool[n % len(pool)], "keywords_require": [],
                     "keywords_exclude": [], "authors": [], "categories": ["cs.LG", "cs.AI"], "top_n": 10,
                     "min_relevance": 1, "min_novelty": 1, "timezone": "UTC", "delivery_time": "00:00",
                     "paused": False, "active": True, "created_at": now, "updated_at": now})  # fmt: skip
    return rows


def _received(telegram: FakeTelegram, slack: FakeSlack) -> list[tuple[str, float, list[str]]]:
    """(recipient, when, papers) of every message the fakes accepted."""
    out: list[tuple[str, float, list[str]]] = []
    tg_signer = ButtonSigner(button_secret(telegram.token))
    with telegram.lock:
        accepted = list(telegram.accepted)
    for m in accepted:
        chat = str(m["chat"]["id"])
        rows = (m.get("reply_markup") or {}).get("inline_keyboard", [])
        votes = (tg_signer.verify(chat, b.get("callback_data")) for row in rows for b in row)
        out.append((chat, float(m["date"]), list(dict.fromkeys(v.paper_id for v in votes if v))))
    sl_signer = ButtonSigner(button_secret(SIGNING))
    for call in slack.of("chat.postMessage"):
        user = str(call.args["channel"]).removeprefix("D")
        buttons = (
            e for b in call.args.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]
        )
        votes = (sl_signer.verify(subject("T1", user), e.get("value")) for e in buttons)
        out.append((user, float(call.ts or 0), list(dict.fromkeys(v.paper_id for v in votes if v))))
    return out


def _env(db: str, telegram: FakeTelegram, slack: FakeSlack, openai: FakeOpenAI) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return keep | {
        "DATABASE_URL": db, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
        "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SIGNING, "SLACK_API_BASE_URL": slack.base_url,
        "OPENAI_API_KEY": "sk-chaos-0123456789abcdef", "OPENAI_BASE_URL": openai.base_url,
        "ARXIV_RSS_URL": "http://127.0.0.1:9/rss/", "ARXIV_API_URL": "http://127.0.0.1:9/api/query",
        "ARXIV_RETRIES": "0", "ARXIV_DELAY_SECONDS": "0", "DELIVERY_RETRY_MINUTES": "0.05",
        "LLM_MAX_RETRIES": "0", "EMBEDDINGS": "off", "PYTHONPATH": str(ROOT),
    }  # fmt: skip


def _start(env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot.cli", "run", "--role", "worker"]
    log = (folder / "worker.log").open("ab")
    return subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=log)


def _finished(app: App) -> tuple[bool, int]:
    with app.sessions() as session:
        rows = session.exec(select(Delivery)).all()
    open_rows = sum(
        r.state == "pending" or (r.state == "failed" and r.next_attempt_at is not None) for r in rows
    )
    return bool(rows) and open_rows == 0, open_rows


def one_run(users: int, *, faults: bool, kills: int, rate: float, seed: int, timeout: float) -> Outcome:
    rng = random.Random(seed)
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # due at 00:00 UTC today
    listing = shared_dir() / "data" / "arxiv-days" / "2025-06-03.jsonl.gz"
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeTelegram(chaos=rate if faults else 0.0) as telegram,
        FakeSlack() as slack,
        FakeOpenAI(garbage_rate=rate if faults else 0.0) as openai,
    ):
        slack.chaos = rate if faults else 0.0
        folder = Path(tmp)
        app = scratch_app(folder)
        app.ingestor.ingest_file(listing, day=day)
        with app.sessions() as session, session.begin():
            insert_ignoring_duplicates(session, Profile, _profiles(users, dt.datetime.now(dt.UTC)))
        changer = Caller(Identity("telegram", "10000000", display_name="u0"))
        env = _env(app.settings.database_url, telegram, slack, openai)
        started = time.time()
        worker = _start(env, folder)
        second: subprocess.Popen[bytes] | None = None
        in_flight: list[int] = []
        unjournaled: list[int] = []
        try:
            for k in range(kills if faults else 0):
                goal = len(_received(telegram, slack)) + rng.randint(15, 90)
                deadline = time.monotonic() + 20
                while len(_received(telegram, slack)) < goal and time.monotonic() < deadline:
                    time.sleep(0.05)
                for command in (rng.choice(CHANGES), *_votes(app, rng)):  # one user, between kills
                    app.commands.handle(changer, command)
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                in_flight.append(_held_by(app, worker.pid))
                unjournaled.append(_unjournaled(app, telegram, slack))
                worker = _start(env, folder)
                if k == kills // 2:
                    second = _start(env, folder)  # an overlapping deploy ...
                if second is not None and k == kills // 2 + 2:
                    second.send_signal(signal.SIGTERM)  # ... that ends
                    second.wait(timeout=30)
            deadline = time.monotonic() + timeout
            while not _finished(app)[0] and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            for process in (worker, second):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        process.kill()
        return _measure(app, telegram, slack, started, in_flight, unjournaled)


def _held_by(app: App, pid: int) -> int:
    """Deliveries a killed worker was sending (owner `host:pid:nonce:pidns`): each may have had
    one message in flight that the platform accepted but the journal never saw."""
    with app.sessions() as session:
        owners = session.exec(select(Delivery.owner).where(Delivery.state == "pending")).all()
    return sum(1 for o in owners if o and o.split(":")[1:2] == [str(pid)])


def _unjournaled(app: App, telegram: FakeTelegram, slack: FakeSlack) -> int:
    """Messages in flight at a kill: accepted by a platform but not (yet) in any delivery's
    journal. A dead worker's are exactly the ones a resume may send again."""
    accepted = Counter(who for who, _, papers in _received(telegram, slack) if papers)
    with app.sessions() as session:
        rows = session.exec(select(Profile.platform_id, Delivery.message_ids).join(Delivery)).all()
    journaled = Counter({who: len(ids) for who, ids in rows})
    return sum(max(0, n - journaled[who]) for who, n in accepted.items())


def _timeline(received: list[tuple[str, float, list[str]]], started: float) -> str:
    telegram = [when - started for who, when, _ in received if who.isdigit()]
    slack = [when - started for who, when, _ in received if not who.isdigit()]
    first = min(telegram + slack, default=0.0)
    return (f"first message at {first:.1f} s, last Telegram at {max(telegram, default=0.0):.1f} s, "
            f"last Slack at {max(slack, default=0.0):.1f} s")  # fmt: skip


def _votes(app: App, rng: random.Random) -> list[str]:
    with app.sessions() as session:
        rows = session.exec(select(Delivery.paper_ids).limit(5)).all()
    papers = [p for ids in rows for p in ids]
    return [f"/{rng.choice(['up', 'down'])} {rng.choice(papers)}"] if papers else []


def _measure(
    app: App, telegram: FakeTelegram, slack: FakeSlack, started: float, in_flight: list[int],
    unjournaled: list[int],
) -> Outcome:  # fmt: skip
    received = _received(telegram, slack)
    with app.sessions() as session:
        rows = session.exec(select(Profile.platform_id, Delivery).join(Delivery)).all()
    got: dict[str, Counter[str]] = {}
    duplicate_messages = 0
    for who, _, papers in received:
        seen = got.setdefault(who, Counter())
        if papers and all(seen[p] for p in papers):
            duplicate_messages += 1
        seen.update(papers)
    promised = sum(len(row.paper_ids) for _, row in rows)
    sent_rows = [(who, row) for who, row in rows if row.state == "sent"]
    delivered = sum(len(set(row.paper_ids) & set(got.get(who, {}))) for who, row in rows)
    lost = sum(len(set(row.paper_ids) - set(got.get(who, {}))) for who, row in sent_rows)
    last = max((when for _, when, _ in received), default=started)
    _, unfinished = _finished(app)
    return Outcome(
        delivered=sum(1 for who, _ in sent_rows if got.get(who)), promised=promised,
        papers_delivered=delivered, lost=lost, duplicate_messages=duplicate_messages,
        duplicate_papers=sum(n - 1 for c in got.values() for n in c.values() if n > 1),
        final_failures=sum(row.state == "failed" and row.next_attempt_at is None for _, row in rows),
        unfinished=unfinished, seconds=last - started, in_flight=in_flight, unjournaled=unjournaled,
        telegram_messages=len(telegram.accepted), slack_messages=len(slack.of("chat.postMessage")),
        timeline=_timeline(received, started),
        max_attempts_seen=max((row.attempts for _, row in rows), default=0),
        final_reasons=Counter((row.error or "")[:70] for _, row in rows
                              if row.state == "failed" and row.next_attempt_at is None),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--no-baseline", action="store_true")
    args, _ = parser.parse_known_args()
    chaos = one_run(
        args.users, faults=True, kills=args.kills, rate=args.fault_rate, seed=1, timeout=args.timeout
    )
    print(f"users: {args.users} (half Telegram, half Slack), {args.kills} SIGKILLs of the worker, a second "
          f"worker started and stopped, {args.fault_rate:.0%} 429/500 from the platforms and garbage from OpenAI")  # fmt: skip
    print(f"digests delivered: {chaos.delivered} of {args.users}; papers promised {chaos.promised}, "
          f"delivered {chaos.papers_delivered}, lost {chaos.lost}")  # fmt: skip
    print(f"duplicate messages: {chaos.duplicate_messages} (kills: {args.kills}; deliveries the killed workers held: "
          f"{sum(chaos.in_flight)}), duplicate papers: {chaos.duplicate_papers}; final failures: "
          f"{chaos.final_failures}; unfinished: {chaos.unfinished}; most attempts of one delivery: {chaos.max_attempts_seen}")  # fmt: skip
    print(f"deliveries held (claimed, being sent) at each kill: {chaos.in_flight}")
    totals = [0, *chaos.unjournaled]  # running totals: a resent message stays one more than journalled
    per_kill = [b - a for a, b in itertools.pairwise(totals)]
    print(f"messages in flight (accepted, not journalled) at each kill: {per_kill} (sum {sum(per_kill)}: "
          f"the most duplicates the kills may cause; duplicate messages: {chaos.duplicate_messages})")  # fmt: skip
    if chaos.final_reasons:
        print(
            "final failures by reason: "
            + "; ".join(f"{n}× {r}" for r, n in chaos.final_reasons.most_common(5))
        )
    print(f"messages accepted: {chaos.telegram_messages} Telegram (at the adapter's 29 per second at least "
          f"{chaos.telegram_messages / 29:.0f} s), {chaos.slack_messages} Slack")  # fmt: skip
    print(f"with faults: {chaos.timeline}")
    if args.no_baseline:
        print(f"time to the last digest: {chaos.seconds:.1f} s with faults")
        return
    calm = one_run(args.users, faults=False, kills=0, rate=0.0, seed=1, timeout=args.timeout)
    print(f"time to the last digest: {chaos.seconds:.1f} s with faults vs {calm.seconds:.1f} s without "
          f"(×{chaos.seconds / max(calm.seconds, 0.001):.2f}); without faults: {calm.delivered} delivered, "
          f"{calm.duplicate_messages} duplicates, {calm.lost} papers lost; {calm.telegram_messages} Telegram "
          f"messages (at least {calm.telegram_messages / 29:.0f} s at 29 per second)")  # fmt: skip
    print(f"without faults: {calm.timeline}")


if __name__ == "__main__":
    main()
