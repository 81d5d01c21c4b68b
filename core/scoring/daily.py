"""Score a day once for every distinct criteria, so that digests afterwards only render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from core.errors import NotFoundError
from core.models import FRESH_TYPES, Criteria, Paper, ProfileView
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


def active_profiles(session: Session) -> list[ProfileView]:
    query = select(Profile).where(Profile.active, Profile.paused == False)  # noqa: E712
    return [profiles.to_view(p) for p in session.exec(query) if p.criteria.strip()]


def distinct_criteria(views: list[ProfileView]) -> list[Criteria]:
    return list({fingerprint(v.as_criteria): v.as_criteria for v in views}.values())


def day_papers(session: Session, day: dt.date) -> tuple[str, list[Paper]]:
    """The day's status and its new + cross papers (the scoring corpus)."""
    info = paper_store.day_info(session, day)
    if info is None:
        raise NotFoundError(f"no announcement of {day.isoformat()} has been ingested")
    return info.status, [p for p, kind in paper_store.day_listing(session, day) if kind in FRESH_TYPES]


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
