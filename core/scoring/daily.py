"""Score a day once for every distinct criteria, so that digests afterwards only render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from core.errors import NotFoundError
from core.models import FRESH_TYPES
from core.scoring.criteria import fingerprint
from core.scoring.service import ScoringService
from storage import papers as paper_store
from storage import profiles
from storage.tables import Profile


@dataclass
class DailyReport:
    day: dt.date
    profiles: int
    distinct_criteria: int
    notes: list[str]


def score_day_for_everyone(
    sessions: Callable[[], Session], scoring: ScoringService, day: dt.date
) -> DailyReport:
    """One scoring pass per distinct criteria among active, unpaused profiles."""
    with sessions() as session:
        info = paper_store.day_info(session, day)
        if info is None:
            raise NotFoundError(f"no announcement of {day.isoformat()} has been ingested")
        papers = [p for p, kind in paper_store.day_listing(session, day) if kind in FRESH_TYPES]
        active = [
            profiles.to_view(p)
            for p in session.exec(
                select(Profile).where(Profile.active, Profile.paused == False)  # noqa: E712
            )
            if p.criteria.strip()
        ]
    distinct = {fingerprint(v.as_criteria): v for v in active}
    notes: list[str] = []
    if info.status == "announced":
        for view in distinct.values():
            with sessions() as session, session.begin():
                batch = scoring.scores_for(session, papers, view.as_criteria, day=day, profile_id=None)
                notes.extend(batch.notes)
    return DailyReport(day=day, profiles=len(active), distinct_criteria=len(distinct), notes=notes)
