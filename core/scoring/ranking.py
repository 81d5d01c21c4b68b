"""A day's scores for one criteria, kept as arrays so thousands of users stay cheap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.models import Paper, PaperScore, Usage

FALLBACK = "offline-fallback"  # the scorer of papers an LLM should have rated but did not


@dataclass
class Ranking:
    """Scores aligned with `papers`; `comment(i)` is written only for papers someone sees."""

    papers: list[Paper]
    relevance: np.ndarray
    novelty: np.ndarray
    value: np.ndarray
    comment: Callable[[int], str]
    scorer: Callable[[int], str]

    def score(self, i: int) -> PaperScore:
        return PaperScore(
            paper_id=self.papers[i].id,
            relevance=int(self.relevance[i]),
            novelty=int(self.novelty[i]),
            value=float(self.value[i]),
            comment=self.comment(i),
            scorer=self.scorer(i),
        )

    def scores(self) -> list[PaperScore]:
        return [self.score(i) for i in range(len(self.papers))]

    @classmethod
    def from_scores(cls, papers: Sequence[Paper], scores: dict[str, PaperScore]) -> Ranking:
        """From per-paper scores (cached or fresh); every paper must have one."""
        ordered = [scores[p.id] for p in papers]
        return cls(
            papers=list(papers),
            relevance=np.array([s.relevance for s in ordered], dtype=int),
            novelty=np.array([s.novelty for s in ordered], dtype=int),
            value=np.array([s.value for s in ordered], dtype=float),
            comment=lambda i: ordered[i].comment,
            scorer=lambda i: ordered[i].scorer,
        )


@dataclass
class ScoredBatch:
    ranking: Ranking
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)
    calls: list[Usage] = field(default_factory=list)  # one per API call, as reported
