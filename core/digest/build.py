"""Build a profile's digest of one announcement day from stored papers and (cached) scores."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from core.digest.model import Digest, Totals
from core.digest.select import select
from core.errors import NotFoundError
from core.models import FRESH_TYPES, ProfileView
from core.scoring.service import ScoringService
from storage import feedback
from storage import papers as paper_store


class DigestBuilder:
    def __init__(self, *, scoring: ScoringService) -> None:
        self.scoring = scoring

    def build(
        self, session: Session, profile: ProfileView, day: dt.date, *, ranked_all: bool = False
    ) -> Digest:
        """The digest of `day`; `ranked_all` lists every scanned paper in rank order instead."""
        info = paper_store.day_info(session, day)
        if info is None:
            raise NotFoundError(
                f"no announcement of {day.isoformat()} has been ingested; run `paperbot ingest` first"
            )
        if info.status == "quiet":
            return Digest(day=day, user=profile.name, status="quiet", scorer=self.scoring.label)
        listing = paper_store.day_listing(session, day)
        day_papers = [p for p, kind in listing if kind in FRESH_TYPES]
        wanted = set(profile.categories)
        in_scope = [(p, k) for p, k in listing if not wanted or wanted.intersection(p.categories)]
        scanned = [p for p, kind in in_scope if kind in FRESH_TYPES]
        seen = feedback.delivered_before(session, profile_id=profile.id, day=day)
        candidates = [p for p in scanned if p.id not in seen]
        scored = self.scoring.scores_for(session, day_papers, profile.as_criteria)
        selection = select(profile, candidates, scored.scores)
        entries = selection.ranked if ranked_all else selection.entries
        return Digest(
            day=day,
            user=profile.name,
            status="digest" if entries else "empty",
            scorer=scored.label,
            totals=Totals(arxiv=len(in_scope), scanned=len(scanned), relevant=selection.relevant),
            usage=scored.usage,
            entries=entries,
            closest=[] if ranked_all else selection.closest,
            notes=scored.notes,
            ranked_all=ranked_all,
        )
