"""Deliver one day's digest to 10,000 Telegram users through a fake Bot API that enforces
30 messages per second overall, as Telegram does.

Prints total time against the floor (messages ÷ 30 s), messages sent, duplicates, messages
the fake rejected and peak memory. Target: ≤ 1.1 × the floor, no rejection, no duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import gc
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_memory_mb, scratch_app, shared_dir
from bot.telegram.adapter import TelegramAdapter
from core.accounts import add_local_user
from tests.fakes.telegram_server import FakeTelegram

LIMIT = 30


async def fan_out(adapter: TelegramAdapter, digest, users: int, concurrency: int) -> list[int]:  # type: ignore[no-untyped-def]
    gate = asyncio.Semaphore(concurrency)
    failures: list[int] = []

    async def deliver(chat_id: int) -> None:
        async with gate:
            try:
                await adapter.send_digest(chat_id, digest)
            except Exception:  # one user's failure never stops the others
                failures.append(chat_id)

    await asyncio.gather(*(deliver(10_000_000 + n) for n in range(users)))
    return failures


def serve_fake(conn, limit: int) -> None:  # type: ignore[no-untyped-def]
    """The fake Bot API in its own process, so the client's work cannot skew its clock.

    Its garbage collector is off: as the record of 10,000 calls grows, full collections pause
    the fake for tens of milliseconds, and requests queued meanwhile would all be stamped at
    once and counted as a burst the client never sent.
    """
    gc.disable()
    with FakeTelegram(overall_limit=limit) as fake:
        conn.send((fake.base_url, fake.token))
        conn.recv()
        conn.send(([m["chat"]["id"] for m in fake.accepted], len(fake.rejected)))


def start_fake(limit: int = LIMIT):  # type: ignore[no-untyped-def]
    """The fake Bot API in a child process; returns (pipe, process, base_url, token)."""
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_fake, args=(theirs, limit), daemon=True)
    server.start()
    base_url, token = ours.recv()
    return ours, server, base_url, token


def run_main(main_async) -> None:  # type: ignore[no-untyped-def]
    """`--users` and `--concurrency`, shared by the fan-out benchmarks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args, _ = parser.parse_known_args()
    asyncio.run(main_async(args.users, args.concurrency))


async def main_async(users: int, concurrency: int) -> None:
    shared = shared_dir()
    listing = shared / "data" / "arxiv-days" / "2025-06-03.jsonl.gz"
    day = dt.date(2025, 6, 3)
    criteria = (shared / "data" / "criteria" / "seed-topics.md").read_text()
    ours, server, base_url, token = start_fake()
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder))
        app.ingestor.ingest_file(listing, day=day)
        with app.sessions() as session, session.begin():
            profile, _ = add_local_user(session, "reader", criteria=criteria, categories=["cs.LG", "cs.AI"])
            digest = app.builder.build(session, profile, day)
        adapter = TelegramAdapter(core=app.commands, token=token, base_url=base_url)
        await adapter.app.initialize()
        started = time.perf_counter()
        failures = await fan_out(adapter, digest, users, concurrency)
        elapsed = time.perf_counter() - started
        await adapter.app.shutdown()
        ours.send("stop")
        accepted, rejected = ours.recv()
        server.join(timeout=10)
        per_chat = collections.Counter(accepted)
        delivered = len(per_chat)
        duplicates = sum(n - 1 for n in per_chat.values())
        app.engine.dispose()
    floor = users / LIMIT
    print(
        f"users: {users}, digest of {len(digest.entries)} papers, one message each, concurrency {concurrency}"
    )
    print(
        f"time: {elapsed:.1f} s for {delivered} chats; floor {floor:.1f} s at {LIMIT} msg/s "
        f"→ {elapsed / floor:.3f} × the floor"
    )
    print(
        f"messages accepted: {delivered}, rejected by the fake: {rejected}, duplicates: {duplicates}, "
        f"failed users: {len(failures)}, peak memory {peak_memory_mb():.0f} MB"
    )


if __name__ == "__main__":
    run_main(main_async)
