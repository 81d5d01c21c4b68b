"""Scores for a day and a criteria, from the cache when any user already asked for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from core.models import Criteria, Paper, PaperScore, Usage
from core.scoring import Scorer
from core.scoring.criteria import fingerprint
from storage import scores as store


@dataclass
class DayScores:
    scores: dict[str, PaperScore]
    usage: Usage = field(default_factory=Usage)
    label: str = "offline"
    notes: list[str] = field(default_factory=list)


class ScoringService:
    def __init__(self, *, scorer: Scorer) -> None:
        self.scorer = scorer

    @property
    def label(self) -> str:
        return (
            self.scorer.name
            if self.scorer.name == "offline"
            else f"{self.scorer.name}:{self.scorer.model}"
        )

    def scores_for(
        self, session: Session, papers: Sequence[Paper], criteria: Criteria
    ) -> DayScores:
        """Every paper's score; computed (and stored) only for papers not cached yet."""
        key = {
            "fingerprint": fingerprint(criteria),
            "model": self.scorer.model,
            "prompt_version": self.scorer.version,
        }
        cached = store.load_scores(session, papers, scorer=self.scorer.name, **key)
        if len(cached) == len(papers):
            return DayScores(scores=cached, label=self.label)
        batch = self.scorer.score_day(papers, criteria)
        fresh = [s for s in batch.scores if s.paper_id not in cached]
        store.save_scores(session, fresh, versions={p.id: p.version for p in papers}, **key)
        cached.update((s.paper_id, s) for s in fresh)
        return DayScores(scores=cached, usage=batch.usage, label=self.label)
