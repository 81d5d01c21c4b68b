"""Which of a day's papers the LLM sees, and in how much detail. Recall first.

At gpt-6-luna prices a whole day costs about a fifth of a cent per distinct criteria, so the
default forwards every paper (`LLM_PREFILTER_SHARE=1`): a paper the offline ranking misjudges
still reaches the model. What keeps the day within the token budget is detail, not
exclusion: every paper gets its title and a compact abstract opening (enough to spot a
relevant one), and the best-ranked get the longer opening for as long as the day's prompt
stays within `LLM_PROMPT_TOKENS_PER_PAPER` per paper (60: the issue's ceiling is 66, and the
margin absorbs longer criteria than the seed's).

Operators who want to forward less set a share below 1; then followed authors' papers still
always go, small days (`LLM_SMALL_DAY` papers or fewer) go whole, and at least
`LLM_PREFILTER_FLOOR` papers go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.scoring.llm.prompt import ABSTRACT_WORDS, COMPACT_WORDS, paper_line, system_message, user_message
from core.scoring.ranking import Ranking


@dataclass(frozen=True, slots=True)
class Prefilter:
    share: float = 1.0
    floor: int = 20
    small_day: int = 100
    tokens_per_paper: float = 60.0

    def select(self, base: Ranking, *, wanted: set[str] | None, always: set[str]) -> list[int]:
        """Indices to send, best first: the share of the day (all of a small day), at least
        the floor, and every followed author's paper, among the `wanted` ones."""
        pool = [i for i, p in enumerate(base.papers) if wanted is None or p.id in wanted]
        pool.sort(key=lambda i: -base.value[i])
        day = len(base.papers)
        keep = day if day <= self.small_day else max(self.floor, math.ceil(self.share * day))
        chosen = set(pool[:keep]) | {i for i in pool if base.papers[i].id in always}
        return sorted(chosen, key=lambda i: -base.value[i])

    def detailed(
        self, base: Ranking, ask: list[int], criteria: str, batch_size: int
    ) -> dict[str, int] | None:
        """Abstract words per asked paper (best first; the others get COMPACT_WORDS): the
        longest openings the prompt budget of `tokens_per_paper` × asked papers allows once
        every paper has its compact line and every call its messages. None: all get the
        full opening. Counted in characters (four a token), so every criteria's day costs
        the same whatever its length: longer criteria buy less detail."""
        if not ask:
            return None
        papers = [base.papers[i] for i in ask]
        calls = math.ceil(len(papers) / batch_size)
        fixed = len(system_message(criteria)) + len(user_message([])) + 8  # 8: rounding, per call
        left = 4 * self.tokens_per_paper * len(papers) - calls * fixed
        left -= sum(len(paper_line(p, COMPACT_WORDS)) + 1 for p in papers)
        words: dict[str, int] = {}
        for paper in papers:
            compact = len(paper_line(paper, COMPACT_WORDS))
            fits = [
                n
                for n in range(ABSTRACT_WORDS, COMPACT_WORDS, -1)
                if len(paper_line(paper, n)) - compact <= left
            ]
            if not fits:
                break
            words[paper.id] = fits[0]
            left -= len(paper_line(paper, fits[0])) - compact
        full = all(words.get(p.id) == ABSTRACT_WORDS for p in papers)
        return None if full else words
