"""A day's scores for a criteria: from the cache when any user already asked for them.

Persistent scorers (the LLM) have every score stored under (paper and version, criteria
fingerprint, scorer, model, prompt version), so a second user with the same criteria costs
nothing; the offline scorer is recomputed, which is cheaper than reading 650 rows back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from core.models import Criteria, Paper
from core.scoring import Scorer
from core.scoring.criteria import fingerprint
from core.scoring.ranking import Ranking, ScoredBatch
from storage import scores as store


class ScoringService:
    def __init__(self, *, scorer: Scorer) -> None:
        self.scorer = scorer

    @property
    def label(self) -> str:
        s = self.scorer
        return s.name if s.name == "offline" else f"{s.name}:{s.model}"

    def scores_for(self, session: Session, papers: Sequence[Paper], criteria: Criteria) -> ScoredBatch:
        """Every paper's score; a persistent scorer is asked only about uncached papers."""
        if not self.scorer.persistent:
            return self.scorer.score_day(papers, criteria)
        key = {
            "fingerprint": fingerprint(criteria),
            "model": self.scorer.model,
            "prompt_version": self.scorer.version,
        }
        cached = store.load_scores(session, papers, scorer=self.scorer.name, **key)
        if len(cached) == len(papers):
            return ScoredBatch(ranking=Ranking.from_scores(papers, cached))
        missing = [p for p in papers if p.id not in cached]
        batch = self.scorer.score_day(missing, criteria)
        fresh = batch.ranking.scores()
        store.save_scores(session, fresh, versions={p.id: p.version for p in papers}, **key)
        cached.update((s.paper_id, s) for s in fresh)
        return ScoredBatch(ranking=Ranking.from_scores(papers, cached), usage=batch.usage, notes=batch.notes)
