"""The delivery worker at scale: 10,000 Telegram users spread over 24 time zones, all due at
the same minute, one real day, a fake Bot API in its own process enforcing Telegram's 30
messages per second.

Prints the time from ingest to the last digest sent (ingest, scoring and the delivery tick
with claims, builds and sends), duplicates, missed users and peak memory; then ticks again a
minute later to show nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_memory_mb, scratch_app, shared_dir
from bench.scale import EXCLUDED, generate_criteria
from bench.telegram_fanout import LIMIT, run_main, start_fake
from bot.compose import delivery_worker
from bot.telegram.adapter import TelegramAdapter
from storage import deliveries
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Delivery, Profile

ZONES = ["Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
         "America/New_York", "America/Sao_Paulo", "Atlantic/Azores", "UTC", "Europe/London", "Europe/Berlin",
         "Europe/Athens", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka",
         "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Noumea",
         "Pacific/Auckland", "Asia/Kathmandu"]  # fmt: skip


async def main_async(users: int, concurrency: int) -> None:
    shared = shared_dir()
    day = dt.date(2025, 6, 3)
    listing = shared / "data" / "arxiv-days" / f"{day}.jsonl.gz"
    due = dt.datetime(2025, 6, 3, 8, 0, tzinfo=dt.UTC)  # everyone's local time maps to this minute
    ours, server, base_url, token = start_fake()
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(users):
        zone = ZONES[n % len(ZONES)]
        local = due.astimezone(ZoneInfo(zone)).strftime("%H:%M")
        rows.append({"platform": "telegram", "workspace": "", "platform_id": str(10_000_000 + n),
                     "kind": "user", "display_name": f"u{n}", "criteria": generate_criteria(rng),
                     "keywords_require": [],
                     "keywords_exclude": rng.sample(EXCLUDED, rng.randint(0, 1)), "authors": [],
                     "categories": ["cs.LG", "cs.AI"], "top_n": 10, "min_relevance": 8, "min_novelty": 7,
                     "timezone": zone, "delivery_time": local, "paused": False, "active": True,
                     "created_at": now, "updated_at": now})  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder), delivery_concurrency=concurrency)
        with app.sessions() as session, session.begin():
            insert_ignoring_duplicates(session, Profile, rows)
        adapter = TelegramAdapter(core=app.commands, token=token, base_url=base_url,
                                  receive=False)  # fmt: skip
        await adapter.start()
        clock = [due]
        worker = delivery_worker(app, {"telegram": adapter}, clock=lambda: clock[0])
        early = await worker.tick(due - dt.timedelta(minutes=1))
        started = time.perf_counter()
        report = app.ingestor.ingest_file(listing, day=day)
        ingested = time.perf_counter()
        await asyncio.to_thread(app.daily.score, day)
        scored = time.perf_counter()
        tick = await worker.tick(due)
        finished = time.perf_counter()
        again = await worker.tick(due + dt.timedelta(minutes=1))
        await adapter.stop()
        ours.send("stop")
        accepted, rejected = ours.recv()
        server.join(timeout=10)
        with app.sessions() as session:
            states = deliveries.counts(session, day)
            recorded = {
                int(profile.platform_id): len(row.message_ids)
                for row, profile in session.exec(
                    select(Delivery, Profile).join(Profile, col(Profile.id) == col(Delivery.profile_id))
                )
            }
        app.engine.dispose()
    per_chat = collections.Counter(accepted)
    # a message sent twice shows as more messages reaching a chat than its delivery recorded
    duplicates = sum(max(per_chat[chat] - count, 0) for chat, count in recorded.items())
    unrecorded = sum(n for chat, n in per_chat.items() if chat not in recorded)
    messages = len(accepted)
    floor = messages / LIMIT
    print(f"users: {users} over {len(ZONES)} time zones, all due at {due:%H:%M} UTC; day {day}: "
          f"{report.listed} papers; concurrency {concurrency}")  # fmt: skip
    total = finished - started
    print(f"ingest {ingested - started:.1f} s, scoring {scored - ingested:.1f} s, delivery tick "
          f"{finished - scored:.1f} s → ingest to last digest sent: {total:.1f} s")  # fmt: skip
    print(f"messages: {messages} to {len(per_chat)} chats; floor {floor:.1f} s at {LIMIT} msg/s "
          f"→ tick {(finished - scored) / floor:.3f} × the floor; fake rejected: {rejected}")  # fmt: skip
    missed = users - states["sent"]
    print(f"sent {tick.sent}, failed {tick.failed}, missed {missed}, a minute early: {early.sent}, "
          f"a minute later: {again.sent} more; deliveries sent/pending/failed: {states['sent']}/"
          f"{states['pending']}/{states['failed']}; duplicate messages {duplicates + unrecorded}; "
          f"peak memory {peak_memory_mb():.0f} MB")  # fmt: skip


if __name__ == "__main__":
    run_main(main_async)
