"""What a digest is, independent of how it is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.learning.explain import exploring, resembles
from core.models import DigestStatus, Paper, PaperScore, Reason, Usage


@dataclass(frozen=True, slots=True)
class Entry:
    paper: Paper
    score: PaperScore
    reason: Reason
    boost: float = 0.0  # relevance points the user's ratings add (or take away)
    like: str | None = None  # the title of a liked paper this one resembles
    topic: str | None = None  # the criteria's topic it falls under, when the digest is grouped

    @property
    def total(self) -> float:
        return round(self.score.relevance + self.score.novelty + self.boost, 2)

    @property
    def explanation(self) -> str:
        """The comment, and when ratings moved the paper up, which liked paper it resembles."""
        if self.reason == Reason.FEEDBACK and self.like:
            return resembles(self.score.comment, self.like)
        if self.reason == Reason.EXPLORE:
            return exploring(self.score.comment)
        return self.score.comment


@dataclass(frozen=True, slots=True)
class Totals:
    arxiv: int = 0
    scanned: int = 0
    relevant: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """The announcement days a digest covers when it is more than the day's own: a weekly
    digest's week, or the days a reader missed (`away`: after a pause or a silence)."""

    days: tuple[dt.date, ...]
    away: bool = False


@dataclass
class Digest:
    """`status`: digest (papers passed), empty (none passed: see `closest`), quiet (no
    announcement that day)."""

    day: dt.date
    user: str
    status: DigestStatus
    scorer: str = "offline"
    totals: Totals = field(default_factory=Totals)
    usage: Usage = field(default_factory=Usage)
    entries: list[Entry] = field(default_factory=list)
    closest: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    continued: bool = False  # the rest of a digest whose first messages went out (no header again)
    span: Span | None = None  # None: the papers of `day` alone


def span_line(digest: Digest) -> str | None:
    """The header line of a digest over several days: "While you were away: the 10 best of 6
    announcements" (or "This week: …"); None for a digest of one day."""
    span = digest.span
    if span is None:
        return None
    label = "While you were away" if span.away else "This week"
    count = len(span.days)
    announcements = f"{count} announcement{'s' if count != 1 else ''}"
    shown = len(digest.entries)
    if not shown:
        return f"{label}: {announcements}"
    best = "the best" if shown == 1 else f"the {shown} best"
    return f"{label}: {best} of {announcements}"


def heading_before(entries: Sequence[Entry], index: int) -> str | None:
    """The topic heading to print before `entries[index]` in a grouped digest (entries come
    ordered group by group from `core.digest.topics.in_groups`), if a new group starts there."""
    topic = entries[index].topic
    if topic is None or (index > 0 and entries[index - 1].topic == topic):
        return None
    return topic
