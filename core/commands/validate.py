"""Argument checks shared by the commands; each failure is one readable InputError line."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InputError

MAX_MESSAGE = 4000
MAX_CRITERIA = 8000
MAX_KEYWORD = 60
MAX_KEYWORDS = 50
MAX_AUTHORS = 100
_CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]{2,})?$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def message(text: str) -> str:
    if len(text) > MAX_MESSAGE:
        raise InputError(
            f"That message is too long ({len(text):,} characters); keep it under {MAX_MESSAGE:,}."
        )
    return text.strip()


def integer(raw: str, *, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be a whole number from {low} to {high}, not {raw[:20]!r}.") from None
    if not low <= value <= high:
        raise InputError(f"{name} must be from {low} to {high}, not {value}.")
    return value


def clock_time(raw: str) -> str:
    match = _TIME.match(raw.strip())
    if not match:
        raise InputError(f"Give the time as HH:MM (24-hour), for example 08:30, not {raw[:20]!r}.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def timezone(raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise InputError(f"Unknown time zone {name[:40]!r}; use an Area/City name like Europe/Berlin.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"Unknown time zone {name[:40]!r}; use an Area/City name like Europe/Berlin."
        ) from None
    return name


def date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"Give the date as YYYY-MM-DD, for example 2025-06-03, not {raw[:20]!r}.") from None


def categories(raw: str) -> list[str]:
    found = raw.replace(",", " ").split()
    if not found:
        raise InputError("Name at least one arXiv category, for example: /categories cs.LG cs.AI")
    for cat in found:
        if len(cat) > 20 or not _CATEGORY.match(cat):
            raise InputError(f"{cat[:20]!r} is not an arXiv category (like cs.LG or math.OC).")
    return list(dict.fromkeys(found))


def words(raw: str) -> list[str]:
    """Split like a shell, so "+mixture of experts" can be quoted."""
    try:
        return shlex.split(raw)
    except ValueError:
        raise InputError('Unbalanced quotes; close every " you open.') from None


def keyword(raw: str) -> str:
    word = " ".join(raw.split())
    if not word or len(word) > MAX_KEYWORD:
        raise InputError(f"Keywords must be 1 to {MAX_KEYWORD} characters long.")
    return word


def author(raw: str) -> str:
    name = " ".join(raw.split())
    if not re.search(r"[^\W\d_]", name) or len(name) > 100:
        raise InputError("Give an author's name, for example: /authors add Yoshua Bengio")
    return name
