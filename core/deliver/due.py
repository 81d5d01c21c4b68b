"""When a digest is due: the first moment the user's own clock shows their delivery time
after arXiv published the announcement.

arXiv publishes the announcement dated D at 20:00 US Eastern on the evening before D, so a
Berlin reader at 08:00 gets it on the morning of D and a Tokyo reader at 08:00 on D + 1 (their
08:00 on D came before publication). Time zones and DST come from zoneinfo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from core.models import Cadence, Profile

ARXIV_ZONE = ZoneInfo("America/New_York")
PUBLICATION_TIME = dt.time(20, 0)


def next_delivery(profile: Profile, after: dt.datetime) -> dt.datetime:
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


def earliest_delivery(profiles: Iterable[Profile], after: dt.datetime) -> dt.datetime | None:
    moments = [next_delivery(p, after) for p in profiles]
    return min(moments) if moments else None


def published_at(day: dt.date) -> dt.datetime:
    """When the announcement dated `day` came out, in UTC."""
    evening = dt.datetime.combine(day - dt.timedelta(days=1), PUBLICATION_TIME, tzinfo=ARXIV_ZONE)
    return evening.astimezone(dt.UTC)


def due_at(profile: Profile, day: dt.date) -> dt.datetime:
    moment = next_delivery(profile, published_at(day))
    if profile.cadence == Cadence.WEEKLY and profile.weekday is not None:
        return _on_weekday(profile, moment, profile.weekday)
    return moment


def _on_weekday(profile: Profile, moment: dt.datetime, weekday: int) -> dt.datetime:
    """A weekly reader's first delivery moment on their weekday, at or after `moment` (which
    shows their delivery time): a day is due then only if it is still the latest by then."""
    zone = ZoneInfo(profile.timezone)
    local = moment.astimezone(zone)
    date = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    return dt.datetime.combine(date, local.time().replace(tzinfo=None), tzinfo=zone).astimezone(dt.UTC)


def is_due(profile: Profile, day: dt.date, now: dt.datetime) -> bool:
    return due_at(profile, day) <= now


def first_due(profiles: Iterable[Profile], day: dt.date) -> dt.datetime | None:
    """When the first of `profiles` is due for `day`: what scoring must be done by."""
    return earliest_delivery(profiles, published_at(day))
