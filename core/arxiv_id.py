"""The one check of what an arXiv identifier looks like, used wherever an id comes in.

Ids travel into URLs, Slack links, Telegram button data and file names, so anything that is
not a real identifier (`2599.1>|<!channel>`, `../../etc/passwd`, 200 characters) is refused
at the door instead of escaped at every exit. Accepted: new style `YYMM.NNNN(N)` and old
style `archive(.SC)/YYMMNNN`, each optionally followed by a version `vN`.
"""

from __future__ import annotations

import re

MAX_VERSION = 9999
_NEW = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD = r"[a-z]{1,10}(?:-[a-z]{1,10})?(?:\.[A-Z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3}"
_ID = re.compile(rf"(?P<id>{_NEW}|{_OLD})(?:v(?P<version>[1-9]\d{{0,3}}))?")


def split(raw: str) -> tuple[str, int]:
    """`2506.18945v2` → (`2506.18945`, 2); no version means version 1. ValueError otherwise."""
    if not isinstance(raw, str) or len(raw) > 64:
        raise ValueError("not an arXiv identifier")
    text = raw.strip()
    match = _ID.fullmatch(text) if text.isascii() else None
    if match is None:
        raise ValueError(f"not an arXiv identifier: {text[:40]!r}")
    return match.group("id"), int(match.group("version") or 1)


def is_valid(raw: str) -> bool:
    """Whether `raw` is an arXiv identifier, with or without a version."""
    try:
        split(raw)
    except ValueError:
        return False
    return True
