"""Parse arXiv's RSS announcement feed into the day's listed papers."""

from __future__ import annotations

import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from core.errors import SourceError
from core.ingest.clean import make_paper
from core.models import ANNOUNCE_TYPES, Listed

log = logging.getLogger(__name__)
_NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/"}
_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$",
    re.S,
)


@dataclass
class FeedDay:
    """One feed fetch: the announcement date it claims and its entries (none on quiet days)."""

    day: dt.date | None
    entries: list[Listed] = field(default_factory=list)


def parse_feed(body: bytes) -> FeedDay:
    """Parse the RSS document; raises SourceError on anything that is not an arXiv feed."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SourceError(f"arXiv RSS feed is not valid XML ({exc})") from exc
    channel = root.find("channel")
    if channel is None:
        raise SourceError("arXiv RSS feed has no <channel>")
    day = _date(channel.findtext("pubDate")) or _date(channel.findtext("lastBuildDate"))
    entries = [entry for item in channel.iter("item") if (entry := _entry(item)) is not None]
    return FeedDay(day=day, entries=entries)


def _entry(item: ET.Element) -> Listed | None:
    description = item.findtext("description") or ""
    match = _DESCRIPTION.match(description)
    versioned = match.group("id") if match else (item.findtext("guid") or "").rsplit(":", 1)[-1]
    if not versioned:
        return None
    announce_type = item.findtext("arxiv:announce_type", namespaces=_NS) or (
        match.group("type") if match else "new"
    )
    if announce_type not in ANNOUNCE_TYPES:
        return None
    creators = item.findtext("dc:creator", namespaces=_NS) or ""
    categories = [c.text.strip() for c in item.findall("category") if c.text]
    try:
        paper = make_paper(
            versioned_id=versioned,
            title=item.findtext("title") or "",
            authors=_split_authors(creators),
            abstract=match.group("abstract") if match else "",
            categories=categories,
        )
    except ValueError as exc:  # one hostile item is dropped, the rest of the day still arrives
        log.warning("skipped feed item %.60r: %s", versioned, exc)
        return None
    return Listed(paper=paper, announce_type=announce_type)


def _split_authors(creators: str) -> list[str]:
    parts = re.split(r",\s*|\s+and\s+", creators)
    return [p for p in parts if p.strip()]


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError):
        return None
