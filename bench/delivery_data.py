"""The delivery benchmark's data: a scratch database and the profiles, all due at one minute."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from bench.scale import EXCLUDED, generate_criteria

DUE = dt.datetime(2025, 6, 3, 8, 0, tzinfo=dt.UTC)  # everyone's local time maps to this minute
ZONES = ["America/Los_Angeles", "America/New_York", "UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "Asia/Kathmandu"]  # fmt: skip


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
