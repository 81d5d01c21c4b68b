"""Read a saved listing (interfaces.md format, `.jsonl` or `.jsonl.gz`), skipping bad lines."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.ingest.clean import make_paper
from core.models import ANNOUNCE_TYPES, Listed

log = logging.getLogger(__name__)


@dataclass
class ListingRead:
    entries: list[Listed] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)


def read_listing(path: Path) -> ListingRead:
    """Parse every line; malformed ones are skipped and named by line number."""
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            lines = handle.read().split(b"\n")  # bytes: one line that is not UTF-8 is one bad line
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read listing {path}: {_reason(exc)}") from exc
    result = ListingRead()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result.entries.append(parse_record(json.loads(line.decode("utf-8"))))
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):  # UnicodeDecodeError too
            # a deeply nested line exhausts the parser's recursion; any other fault is the line's
            result.skipped_lines.append(number)
    if result.skipped_lines:
        log.warning("skipped malformed lines in %s: %s", path, _ranges(result.skipped_lines))
    return result


def parse_record(record: Any) -> Listed:
    """One listing record → a `Listed` paper; raises ValueError when it is not usable."""
    if not isinstance(record, dict):
        raise ValueError("not an object")
    authors = record.get("authors") or []
    if not isinstance(authors, list):
        raise ValueError("authors must be a list of strings")
    categories = record.get("categories") or []
    if not isinstance(categories, list):
        raise ValueError("categories must be a list")
    announce_type = record.get("announce_type", "new")
    if announce_type not in ANNOUNCE_TYPES:
        raise ValueError(f"unknown announce type {announce_type!r}")
    comment = record.get("comment")
    abstract = record.get("abstract")
    paper = make_paper(
        versioned_id=_text(record, "id"),
        version=record.get("version"),
        title=_text(record, "title"),
        authors=authors,
        abstract=abstract if abstract is not None else "",
        categories=categories,
        primary_category=record.get("primary_category"),
        comment=comment if isinstance(comment, str) and comment.strip() else None,
    )
    return Listed(paper=paper, announce_type=announce_type)


def _text(record: dict[str, Any], key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] → '1-3, 7': short enough for a log line even for big files."""
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(spans)
