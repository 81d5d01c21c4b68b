"""Score a day once for every distinct criteria, so that digests afterwards only render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import NotFoundError
from core.models import FRESH_TYPES, Criteria, Paper, Profile
from core.scoring.criteria import fingerprint
from core.scoring.service import ScoringService
from storage import papers as paper_store
from storage.profiles import active as active_profiles

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["DailyReport", "active_profiles", "day_papers", "distinct_criteria", "fresh_papers"]


@dataclass
class DailyReport:
    day: dt.date
    profiles: int
    distinct_criteria: int
    notes: list[str]


def distinct_criteria(views: list[Profile]) -> list[Criteria]:
    return list({fingerprint(v.as_criteria): v.as_criteria for v in views}.values())


def fresh_papers(listing: Iterable[tuple[Paper, str]]) -> list[Paper]:
    """The papers a day brings that are new to a reader (new + cross-lists, not replacements):
    the corpus a day is scored and its digests chosen from."""
    return [p for p, kind in listing if kind in FRESH_TYPES]


def day_papers(session: Session, day: dt.date) -> tuple[str, list[Paper]]:
    """The day's status and its fresh papers (the scoring corpus)."""
    info = paper_store.day_info(session, day)
    if info is None:
        raise NotFoundError(f"no announcement of {day.isoformat()} has been ingested")
    return info.status, fresh_papers(paper_store.day_listing(session, day))


def score_day_for_everyone(
    sessions: Callable[[], Session], scoring: ScoringService, day: dt.date
) -> DailyReport:
    """One scoring pass per distinct criteria among active, unpaused profiles."""
    with sessions() as session:
        status, papers = day_papers(session, day)
        active = active_profiles(session)
    distinct = distinct_criteria(active)
    notes: list[str] = []
    if status == "announced":
        for criteria in distinct:
            with sessions() as session, session.begin():
                batch = scoring.scores_for(session, papers, criteria, day=day, profile_id=None)
                notes.extend(batch.notes)
    return DailyReport(day=day, profiles=len(active), distinct_criteria=len(distinct), notes=notes)
