"""Which of a day's papers the LLM sees, and in how much detail. Recall first.

At gpt-6-luna prices a whole day costs about a fifth of a cent per distinct criteria, so the
default forwards every paper (`LLM_PREFILTER_SHARE=1`): a paper the offline ranking misjudges
still reaches the model. What keeps the day within the token budget is detail, not
exclusion: the best-ranked share of the day (`LLM_DETAIL_SHARE`) gets the longer abstract
opening, the rest their title and a compact opening, enough to spot a relevant paper.

Operators who want to forward less set a share below 1; then followed authors' papers still
always go, small days (`LLM_SMALL_DAY` papers or fewer) go whole, and at least
`LLM_PREFILTER_FLOOR` papers go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.scoring.ranking import Ranking


@dataclass(frozen=True, slots=True)
class Prefilter:
    share: float = 1.0
    floor: int = 20
    small_day: int = 100
    detail_share: float = 0.35

    def select(self, base: Ranking, *, wanted: set[str] | None, always: set[str]) -> list[int]:
        """Indices to send, best first: the share of the day (all of a small day), at least
        the floor, and every followed author's paper, among the `wanted` ones."""
        pool = [i for i, p in enumerate(base.papers) if wanted is None or p.id in wanted]
        pool.sort(key=lambda i: -base.value[i])
        day = len(base.papers)
        keep = day if day <= self.small_day else max(self.floor, math.ceil(self.share * day))
        chosen = set(pool[:keep]) | {i for i in pool if base.papers[i].id in always}
        return sorted(chosen, key=lambda i: -base.value[i])

    def detailed(self, base: Ranking, ask: list[int]) -> set[str] | None:
        """Ids of the asked papers that get the longer opening (None: all of them): those in
        the best `detail_share` of the whole day, so the cut does not depend on the cache."""
        day = len(base.papers)
        if self.detail_share >= 1 or day <= self.small_day:
            return None
        best = sorted(range(day), key=lambda i: -base.value[i])[: math.ceil(self.detail_share * day)]
        top = {base.papers[i].id for i in best}
        return {base.papers[i].id for i in ask if base.papers[i].id in top}
