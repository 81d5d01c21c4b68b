"""The LLM scorer: the offline ranking picks the promising papers, the model rates them.

Batches run with bounded concurrency; the client retries 408/409/429/5xx itself (honouring
Retry-After). Papers missing from an answer are asked again a bounded number of times; a
batch that still fails, or that the budget no longer covers, keeps its offline scores and
the digest says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import openai

from core.embeddings import DayVectors
from core.models import Criteria, Paper, Usage
from core.scoring.llm.answer import Verdict, parse_answer
from core.scoring.llm.pricing import Prices, usage_of
from core.scoring.llm.prompt import ANSWER_SCHEMA, PROMPT_VERSION, messages
from core.scoring.offline import OfflineScorer
from core.scoring.ranking import FALLBACK, Ranking, ScoredBatch

log = logging.getLogger(__name__)


class Budget:
    """Dollars left for today's calls, shared by the batches running at once."""

    def __init__(self, limit: float | None) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def allows(self) -> bool:
        with self._lock:
            return self._left is None or self._left > 0

    def spend(self, amount: float) -> None:
        with self._lock:
            if self._left is not None:
                self._left -= amount


@dataclass
class BatchResult:
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    calls: list[Usage] = field(default_factory=list)
    failure: str | None = None  # why some papers kept offline scores


class LlmScorer:
    name = "llm"
    version = PROMPT_VERSION
    persistent = True

    def __init__(
        self,
        *,
        client: openai.OpenAI,
        model: str,
        prices: Prices,
        offline: OfflineScorer | None = None,
        batch_size: int = 60,
        concurrency: int = 4,
        reasks: int = 2,
        prefilter_share: float = 0.30,
        prefilter_floor: int = 20,
    ) -> None:
        self.client = client
        self.model = model
        self.prices = prices
        self.offline = offline or OfflineScorer()
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.reasks = reasks
        self.prefilter_share = prefilter_share
        self.prefilter_floor = prefilter_floor
        self._structured = True  # switched off for endpoints that reject response_format

    @property
    def label(self) -> str:
        return f"{self.name}:{self.model}"

    def score_day(
        self,
        papers: Sequence[Paper],
        criteria: Criteria,
        *,
        wanted: Iterable[str] | None = None,
        always: Iterable[str] = (),
        budget_usd: float | None = None,
        vectors: DayVectors | None = None,
    ) -> ScoredBatch:
        """Rank all `papers` offline, then have the model rate the promising `wanted` ones."""
        base = self.offline.score_day(papers, criteria, vectors=vectors).ranking
        if not papers:
            return ScoredBatch(ranking=base)
        ask = self.prefilter(base, wanted=set(wanted) if wanted is not None else None, always=set(always))
        budget = Budget(budget_usd)
        chunks = [ask[i : i + self.batch_size] for i in range(0, len(ask), self.batch_size)]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            results = list(
                pool.map(lambda c: self._batch(criteria.text, [papers[i] for i in c], budget), chunks)
            )
        return self._merge(base, ask, results)

    def prefilter(self, base: Ranking, *, wanted: set[str] | None, always: set[str]) -> list[int]:
        """Indices to send: the best share (at least the floor) of the wanted papers, and
        every followed author's paper."""
        pool = [i for i, p in enumerate(base.papers) if wanted is None or p.id in wanted]
        pool.sort(key=lambda i: -base.value[i])
        keep = max(self.prefilter_floor, int(self.prefilter_share * len(base.papers)))
        chosen = set(pool[:keep]) | {i for i in pool if base.papers[i].id in always}
        return sorted(chosen, key=lambda i: -base.value[i])

    def _batch(self, criteria: str, papers: list[Paper], budget: Budget) -> BatchResult:
        result = BatchResult()
        pending = {p.id: p for p in papers}
        for _attempt in range(1 + self.reasks):
            if not budget.allows():
                result.failure = "the daily LLM budget was reached"
                break
            try:
                text, usage = self._ask(criteria, list(pending.values()))
            except openai.OpenAIError as exc:
                log.warning("LLM batch of %d papers failed: %s", len(pending), exc)
                result.failure = f"the LLM call failed ({type(exc).__name__})"
                break
            budget.spend(usage.cost_usd)
            result.calls.append(usage)
            for paper_id, verdict in parse_answer(text, pending).items():
                result.verdicts[paper_id] = verdict
                del pending[paper_id]
            if not pending:
                break
        else:
            result.failure = f"the LLM left {len(pending)} papers unanswered"
        return result

    def request_body(self, criteria: str, papers: Sequence[Paper]) -> dict[str, object]:
        """The chat completion request for one batch of papers (also used by the Batch API)."""
        body: dict[str, object] = {"model": self.model, "messages": messages(criteria, papers)}
        if self._structured:
            body["response_format"] = {"type": "json_schema", "json_schema": ANSWER_SCHEMA}
        return body

    def _ask(self, criteria: str, papers: list[Paper]) -> tuple[str, Usage]:
        try:
            response = self.client.chat.completions.create(**self.request_body(criteria, papers))
        except openai.BadRequestError:
            if not self._structured:
                raise
            log.info("endpoint rejected structured outputs; asking for JSON lines instead")
            self._structured = False
            response = self.client.chat.completions.create(**self.request_body(criteria, papers))
        text = (response.choices[0].message.content or "") if response.choices else ""
        return text, usage_of(self.prices, self.model, response.usage)

    def _merge(self, base: Ranking, asked: list[int], results: list[BatchResult]) -> ScoredBatch:
        relevance, novelty = base.relevance.copy(), base.novelty.copy()
        comments: dict[int, str] = {}
        sources = ["offline"] * len(base.papers)
        verdicts = {pid: v for r in results for pid, v in r.verdicts.items()}
        fell_back = 0
        for i in asked:
            verdict = verdicts.get(base.papers[i].id)
            if verdict is None:
                sources[i] = FALLBACK
                fell_back += 1
                continue
            relevance[i], novelty[i], comments[i] = verdict.relevance, verdict.novelty, verdict.comment
            sources[i] = self.label
        ranking = Ranking(
            papers=base.papers, relevance=relevance, novelty=novelty, value=base.value,
            comment=lambda i: comments[i] if i in comments else base.comment(i),
            scorer=lambda i: sources[i],
        )  # fmt: skip
        usage = Usage(model=self.model)
        calls = [c for r in results for c in r.calls]
        for call in calls:
            usage.add(call)
        notes = [
            f"{len(verdicts)} of {len(base.papers)} papers were rated by {self.model}; "
            "the rest keep their offline scores."
        ]
        reasons = sorted({r.failure for r in results if r.failure})
        if fell_back:
            notes.append(f"{fell_back} papers were scored offline because {'; '.join(reasons)}.")
        return ScoredBatch(ranking=ranking, usage=usage, notes=notes, calls=calls)
