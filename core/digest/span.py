"""Which announcement days one digest covers, and their scored papers joined into one ranking.

A daily reader who got yesterday's digest gets today's papers. A weekly reader gets the days
since their last digest (a week, whatever holidays it held). A reader who missed days (paused,
unreachable, the bot was down) gets the best of what they missed, bounded: old papers lose
their point, and a long absence should not cost a long read. Each day keeps its own scores
(scored once per criteria, from the cache), so joining days never scores anything again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.digest.model import Span
from core.models import Cadence, DayInfo, Paper, Profile, Usage
from core.scoring.ranking import Ranking, ScoredBatch

MAX_ANNOUNCEMENTS = 10  # a catch-up offers the best of at most this many announcement days …
MAX_CALENDAR_DAYS = 14  # … within this many calendar days
WEEK = 7
MISSED_WEEK = 10  # a weekly digest further than this from the last one: a week was missed


def covered(
    profile: Profile, day: dt.date, last: dt.date | None, announced: Callable[[dt.date], list[DayInfo]]
) -> tuple[list[DayInfo], Span | None]:
    """The announcement days the digest of `day` covers (oldest first, `day` last) and their
    span; `announced(first)` lists the announcement days from `first` to `day`. Without a span
    (None) the digest is `day`'s alone, exactly as before cadences and catch-ups existed."""
    weekly = profile.cadence == Cadence.WEEKLY and profile.weekday is not None
    if last is None and not weekly:  # a first digest is the day's
        return [], None
    gap = (day - last).days if last is not None else WEEK
    if not weekly and _only_weekend_between(last, day):  # read the day before: no query needed
        return [], None
    first = day - dt.timedelta(days=min(gap, MAX_CALENDAR_DAYS) - 1)
    days = [d for d in announced(first) if d.day <= day][-MAX_ANNOUNCEMENTS:]
    if not weekly and len(days) <= 1:  # only weekends or holidays were missed
        return [], None
    away = gap > MISSED_WEEK if weekly else True
    return days, Span(days=tuple(d.day for d in days), away=away)


def _only_weekend_between(last: dt.date | None, day: dt.date) -> bool:
    """Whether every calendar day after `last` and before `day` is a Saturday or Sunday (arXiv
    dates no announcement then): a daily reader of Friday's digest missed nothing by Monday."""
    if last is None:
        return False
    return all((last + dt.timedelta(days=n)).weekday() >= 5 for n in range(1, (day - last).days))


@dataclass
class Part:
    """One covered day: its scored papers, and which of them the joined ranking keeps (a paper
    listed on two covered days counts once, on the later)."""

    scored: ScoredBatch
    keep: np.ndarray
    authored: np.ndarray  # per paper of the day: written by an author the profile follows


def join(parts: Sequence[Part]) -> tuple[ScoredBatch, np.ndarray]:
    """The covered days' rankings as one, newest day first (ties favour the newer paper), and
    which of the joined papers a followed author wrote."""
    owners = [(part.scored.ranking, int(i)) for part in parts for i in part.keep]
    rankings = [(part.scored.ranking, part.keep) for part in parts]
    ranking = Ranking(
        papers=[r.papers[i] for r, i in owners],
        relevance=np.concatenate([r.relevance[k] for r, k in rankings]).astype(int),
        novelty=np.concatenate([r.novelty[k] for r, k in rankings]).astype(int),
        value=np.concatenate([r.value[k] for r, k in rankings]).astype(float),
        comment=lambda n: owners[n][0].comment(owners[n][1]),
        scorer=lambda n: owners[n][0].scorer(owners[n][1]),
    )
    usage = Usage()
    notes: list[str] = []
    for part in parts:
        usage.add(part.scored.usage)
        notes.extend(n for n in part.scored.notes if n not in notes)
    authored = np.concatenate([part.authored[part.keep] for part in parts])
    return ScoredBatch(ranking=ranking, usage=usage, notes=notes), authored


def keep_first(papers_per_day: Sequence[Sequence[Paper]]) -> list[np.ndarray]:
    """Per day (newest first), the indices of the papers not already listed on a newer day."""
    taken: set[str] = set()
    kept = []
    for papers in papers_per_day:
        indices = [i for i, p in enumerate(papers) if p.id not in taken]
        taken.update(p.id for p in papers)
        kept.append(np.array(indices, dtype=int))
    return kept
