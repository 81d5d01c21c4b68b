"""When a failed delivery is tried again, or not at all: one rule for every platform.

`Unreachable` is final at once. Other failures back off exponentially and become final
after `max_attempts`. `PlatformDown` (the platform refuses the bot itself, e.g. a token that
is briefly wrong) does not spend attempts: it is retried at most every `PLATFORM_RETRY_CAP`
until the digest's day is over everywhere on Earth (noon UTC the next day), so a token fixed
within the day still gets everyone their digest.
"""

from __future__ import annotations

import datetime as dt

from core.deliver.sender import PlatformDown, Unreachable

PLATFORM_RETRY_CAP = dt.timedelta(minutes=15)
DAY_ENDS = dt.time(12, 0, tzinfo=dt.UTC)  # the digest's day has ended in UTC−12 too


def next_attempt(
    exc: BaseException,
    *,
    attempts: int,
    max_attempts: int,
    backoff: dt.timedelta,
    day: dt.date,
    now: dt.datetime,
) -> dt.datetime | None:
    """The time of the next attempt after `attempts` failed ones; None: final."""
    if isinstance(exc, Unreachable):
        return None
    wait = backoff * 2 ** min(max(attempts - 1, 0), 20)
    if isinstance(exc, PlatformDown):
        again = now + min(wait, PLATFORM_RETRY_CAP)
        return again if again < dt.datetime.combine(day + dt.timedelta(days=1), DAY_ENDS) else None
    return None if attempts >= max_attempts else now + wait
