"""Scheduling rules: when, in UTC, a profile's local delivery time next comes round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from core.models import ProfileView


def next_delivery(profile: ProfileView, after: dt.datetime) -> dt.datetime:
    """The first moment at or after `after` when the profile's clock shows its delivery time."""
    zone = ZoneInfo(profile.timezone)
    hour, minute = map(int, profile.delivery_time.split(":"))
    local = after.astimezone(zone)
    candidate = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=zone)
    if candidate < local:
        candidate = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(hour, minute), tzinfo=zone
        )
    return candidate.astimezone(dt.UTC)


def earliest_delivery(profiles: Iterable[ProfileView], after: dt.datetime) -> dt.datetime | None:
    moments = [next_delivery(p, after) for p in profiles]
    return min(moments) if moments else None
