"""A day's scores for a criteria: from the cache when any user already asked for them.

Persistent scorers (the LLM) have every score stored under (paper and version, criteria
fingerprint, scorer, model, prompt version), so a second user with the same criteria costs
nothing; the offline scorer is recomputed, which is cheaper than reading 650 rows back.
Every LLM call's usage is stored per day and profile; budgets are checked against it.
This service is the one door to that cache: Batch API results (llm/batch.py) are filed here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from core.embeddings import DayVectors
from core.embeddings.store import VectorStore
from core.models import Criteria, Paper, PaperScore, Usage
from core.scoring import Scorer
from core.scoring.criteria import fingerprint
from core.scoring.ranking import FALLBACK, Ranking, ScoredBatch
from storage import scores as store
from storage import usage as usage_store

if TYPE_CHECKING:
    from sqlmodel import Session


class ScoringService:
    def __init__(
        self,
        *,
        scorer: Scorer,
        daily_budget_usd: float | None = None,
        user_daily_budget_usd: float | None = None,
        vectors: VectorStore | None = None,
    ) -> None:
        self.scorer = scorer
        self.vectors = vectors
        self.daily_budget_usd = daily_budget_usd
        self.user_daily_budget_usd = user_daily_budget_usd

    @property
    def label(self) -> str:
        s = self.scorer
        return s.name if s.name == "offline" else f"{s.name}:{s.model}"

    def scores_for(
        self,
        session: Session,
        papers: Sequence[Paper],
        criteria: Criteria,
        *,
        day: dt.date,
        profile_id: int | None,
        always: Iterable[str] = (),
    ) -> ScoredBatch:
        """Every paper's score; a persistent scorer is asked only about uncached papers."""
        if not self.scorer.persistent:
            return self.scorer.score_day(
                papers, criteria, vectors=self.day_vectors(session, papers, criteria, day)
            )
        cached = self.cached(session, papers, criteria)
        always = set(always)
        missing = {
            p.id
            for p in papers
            if p.id not in cached or (p.id in always and cached[p.id].scorer == "offline")
        }
        notes: list[str] = []
        if missing:
            batch = self.scorer.score_day(
                papers,
                criteria,
                wanted=missing,
                always=always,
                budget_usd=self._budget(session, day, profile_id),
                vectors=self.day_vectors(session, papers, criteria, day),
            )
            fresh = [batch.ranking.score(i) for i, p in enumerate(batch.ranking.papers) if p.id in missing]
            self.file(session, papers, criteria, fresh, calls=batch.calls, day=day, profile_id=profile_id)
            cached.update((s.paper_id, s) for s in fresh)
            notes = batch.notes
        return ScoredBatch(
            ranking=Ranking.from_scores(papers, cached),
            notes=notes,
            usage=self._user_usage(session, day, profile_id),
        )

    def cached(self, session: Session, papers: Sequence[Paper], criteria: Criteria) -> dict[str, PaperScore]:
        """The stored scores of `papers` for `criteria` by this scorer, by paper id."""
        return store.load_scores(session, papers, scorer=self.scorer.name, **self.cache_key(criteria))

    def file(
        self,
        session: Session,
        papers: Sequence[Paper],
        criteria: Criteria,
        scores: Sequence[PaperScore],
        *,
        calls: Sequence[Usage] = (),
        day: dt.date,
        profile_id: int | None = None,
    ) -> None:
        """Store fresh scores (not the stand-ins for papers the LLM did not rate) and the calls
        they cost: the one writer of the score cache, for direct and Batch API scoring alike."""
        key = self.cache_key(criteria)
        store.replace_scores(
            session,
            [s for s in scores if s.scorer != FALLBACK],
            versions={p.id: p.version for p in papers},
            scorer=self.scorer.name,
            **key,
        )
        usage_store.record_calls(
            session, calls, day=day, profile_id=profile_id, fingerprint=key["fingerprint"]
        )

    def cache_key(self, criteria: Criteria) -> dict[str, str]:
        """What stored scores are filed under, besides the paper and the scorer's name."""
        return {
            "fingerprint": fingerprint(criteria),
            "model": self.scorer.model,
            "prompt_version": self.scorer.version,
        }

    def day_vectors(
        self, session: Session, papers: Sequence[Paper], criteria: Criteria, day: dt.date
    ) -> DayVectors | None:
        """The embeddings the offline ranking uses, when configured (None when they fail)."""
        if self.vectors is None or not papers:
            return None
        return self.vectors.day_vectors(session, papers, criteria, day=day)

    def _budget(self, session: Session, day: dt.date, profile_id: int | None) -> float | None:
        limits = []
        if self.daily_budget_usd is not None:
            limits.append(self.daily_budget_usd - usage_store.spent_usd(session, day=day))
        if self.user_daily_budget_usd is not None and profile_id is not None:
            limits.append(
                self.user_daily_budget_usd - usage_store.spent_usd(session, day=day, profile_id=profile_id)
            )
        return min(limits) if limits else None

    def _user_usage(self, session: Session, day: dt.date, profile_id: int | None) -> Usage:
        """Exactly what the API reported for this profile's calls of `day` (zero from cache)."""
        total = Usage(model=self.scorer.model)
        if profile_id is not None:
            session.flush()
            for part in usage_store.by_model(session, day=day, profile_id=profile_id):
                total.add(part)
        return total
