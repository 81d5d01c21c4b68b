"""Argument checks shared by the commands; each failure is one readable InputError line."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shlex
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.commands.syntax import cmd
from core.errors import InputError
from core.text import visible

MAX_MESSAGE = 4000
MAX_CRITERIA = 8000
MAX_KEYWORD = 60
MAX_KEYWORDS = 50
MAX_AUTHORS = 100
# top-N reaches a whole busy day (90+ papers above the thresholds, far more at threshold 1):
# `all` is stored as MAX_TOP, which no day's listing reaches
MAX_TOP = 10_000
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # ASCII digits only: `08:3٠` is not a time


@functools.cache
def arxiv_categories() -> dict[str, str]:
    """arXiv's archives and categories from core/data, keyed by lower case for lookup."""
    text = resources.files("core").joinpath("data/arxiv-categories.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {name.lower(): name for name in names}


def message(text: str) -> str:
    """Every chat message: bounded, and valid Unicode (a lone surrogate stored in a profile
    would break every later reply that quotes it on a strict UTF-8 channel); invisible control
    characters are dropped."""
    if len(text) > MAX_MESSAGE:
        raise InputError(
            f"That message is too long ({len(text):,} characters); keep it under {MAX_MESSAGE:,}."
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("That message has characters that are not valid text; please retype it.") from None
    return visible(text).strip()


def message_block(text: str, *, limit: int, what: str) -> str:
    """A multi-line field (a form's topics): valid text within `limit` characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} contain characters that are not valid text; please retype them.") from None
    clean = visible(text).strip()
    if len(clean) > limit:
        raise InputError(f"{what} are limited to {limit:,} characters; yours are {len(clean):,}.")
    return clean


def integer(raw: str, *, name: str, low: int, high: int) -> int:
    """A whole number written in ASCII digits: `٥`, `1_0` and `+5` are refused, not converted."""
    digits = raw.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise InputError(f"{name} must be a whole number from {low} to {high}, not {raw[:20]!r}.")
    value = int(digits)
    if not low <= value <= high:
        raise InputError(f"{name} must be from {low} to {high}, not {value}.")
    return value


def top(raw: str, *, name: str) -> int:
    """How many papers a digest shows: 1 up to a whole day, or `all`."""
    digits = raw.strip()
    if digits.lower() == "all":
        return MAX_TOP
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9 or not 1 <= int(digits) <= MAX_TOP:
        raise InputError(f"{name} must be a whole number from 1 to {MAX_TOP:,}, or all; not {raw[:20]!r}.")
    return int(digits)


def describe_top(top_n: int) -> str:
    return "every paper that passes your thresholds" if top_n >= MAX_TOP else f"at most {top_n} papers"


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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # `Europe` is a directory: OSError
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
        raise InputError(f"Name at least one arXiv category, for example: {cmd('categories cs.LG cs.AI')}")
    known = arxiv_categories()
    names = []
    for cat in found:
        if cat.lower() not in known:
            raise InputError(f"{cat[:20]!r} is not an arXiv category (like cs.LG or math.OC).")
        names.append(known[cat.lower()])
    return list(dict.fromkeys(names))


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
        raise InputError(f"Give an author's name, for example: {cmd('authors add Yoshua Bengio')}")
    return name
