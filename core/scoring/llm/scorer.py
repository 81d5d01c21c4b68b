"""The LLM scorer: the offline ranking picks the promising papers, the model rates them.

Batches run with bounded concurrency; the client retries 408/409/429/5xx itself (honouring
Retry-After). Papers missing from an answer are asked again a bounded number of times; a
batch that still fails, that the budget no longer covers, or whose answer is not a chat
completion at all, keeps its offline scores and the digest says so. Requests carry only the
parameters the model family takes (families.py), and drop one the endpoint rejects.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import openai

from core.embeddings import DayVectors
from core.models import Criteria, Paper, Usage
from core.scoring.llm.answer import UnreadableAnswer, Verdict, parse_answer, read_completion, usage_part
from core.scoring.llm.families import effort_for, family_of, known_shutdown, sampling_params
from core.scoring.llm.lifecycle import gone_note, is_model_gone
from core.scoring.llm.prefilter import Prefilter
from core.scoring.llm.pricing import Prices, usage_from_dict
from core.scoring.llm.prompt import ANSWER_SCHEMA, PROMPT_VERSION, messages
from core.scoring.offline import OfflineScorer
from core.scoring.ranking import FALLBACK, Ranking, ScoredBatch

# A cap on each answer's tokens per paper (the record, plus room to reason at that effort), so a
# runaway answer cannot spend the budget; the visible record takes about 30.
OUTPUT_TOKENS_PER_PAPER = {"none": 150, "minimal": 200, "low": 300, "medium": 600, "high": 1500}
OUTPUT_TOKENS_MORE = 4000  # xhigh, max

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


class ModelGone(Exception):
    """The endpoint answered 404 model_not_found: no later batch needs to try."""


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
        prefilter: Prefilter | None = None,
        reasoning_effort: str | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.prices = prices
        self.offline = offline or OfflineScorer()
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.reasks = reasks
        self.selection = prefilter or Prefilter()
        self.effort = effort_for(model, reasoning_effort)
        self._structured = True  # switched off for endpoints that reject response_format
        self._dropped: set[str] = set()  # parameters the endpoint rejected once
        self._gone = False
        self._adapting = threading.Lock()

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
        detailed = self.selection.detailed(base, ask, criteria.text, self.batch_size)
        budget = Budget(budget_usd)
        size = math.ceil(len(ask) / max(1, math.ceil(len(ask) / self.batch_size))) if ask else 1
        chunks = [ask[i : i + size] for i in range(0, len(ask), size)]  # even: no 5-paper tail call
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            results = list(
                pool.map(
                    lambda c: self._batch(criteria.text, [papers[i] for i in c], budget, detailed), chunks
                )
            )
        return self._merge(base, ask, results)

    def prefilter(self, base: Ranking, *, wanted: set[str] | None, always: set[str]) -> list[int]:
        """Indices of the papers to send, best first (see prefilter.py)."""
        return self.selection.select(base, wanted=wanted, always=always)

    def _batch(
        self, criteria: str, papers: list[Paper], budget: Budget, detailed: Mapping[str, int] | None = None
    ) -> BatchResult:
        """One batch; any failure keeps its papers' offline scores and is named, never raised."""
        result = BatchResult()
        pending = {p.id: p for p in papers}
        for _attempt in range(1 + self.reasks):
            if self._gone:
                result.failure = gone_note(self.model, known_shutdown(self.model))
                break
            if not budget.allows():
                result.failure = "the daily LLM budget was reached"
                break
            try:
                text, usage = self._ask(criteria, list(pending.values()), detailed, result)
            except ModelGone:
                result.failure = gone_note(self.model, known_shutdown(self.model))
                break
            except UnreadableAnswer as exc:
                log.warning("LLM batch of %d papers: unreadable answer (%s)", len(pending), exc)
                result.failure = "the LLM answer was unreadable"
                break
            except openai.OpenAIError as exc:
                log.warning("LLM batch of %d papers failed: %s", len(pending), type(exc).__name__)
                result.failure = f"the LLM call failed ({type(exc).__name__})"
                break
            except Exception as exc:
                log.warning("LLM batch of %d papers: unexpected %s", len(pending), type(exc).__name__)
                result.failure = "the LLM answer was unreadable"
                break
            budget.spend(usage.cost_usd)
            for paper_id, verdict in parse_answer(text, pending).items():
                result.verdicts[paper_id] = verdict
                del pending[paper_id]
            if not pending:
                break
        else:
            result.failure = f"the LLM left {len(pending)} papers unanswered"
        return result

    def request_body(
        self, criteria: str, papers: Sequence[Paper], detailed: Mapping[str, int] | None = None
    ) -> dict[str, object]:
        """The chat completion request for one batch of papers (also used by the Batch API):
        only parameters this model family takes, minus any the endpoint rejected."""
        body: dict[str, object] = {"model": self.model, "messages": messages(criteria, papers, detailed)}
        if self._structured:
            body["response_format"] = {"type": "json_schema", "json_schema": ANSWER_SCHEMA}
        if self.effort is not None:
            body["reasoning_effort"] = self.effort
        body.update(sampling_params(self.model, self.effort))
        if family_of(self.model) is not None:  # OpenAI's families; local servers may not know it
            per_paper = OUTPUT_TOKENS_PER_PAPER.get(self.effort or "none", OUTPUT_TOKENS_MORE)
            body["max_completion_tokens"] = 400 + per_paper * len(papers)
        for name in self._dropped:
            body.pop(name, None)
        return body

    def _ask(
        self, criteria: str, papers: list[Paper], detailed: Mapping[str, int] | None, result: BatchResult
    ) -> tuple[str, Usage]:
        """One call; a usage the endpoint reports is recorded even when the answer is garbage."""
        for _adapt in range(5):
            sent = self.request_body(criteria, papers, detailed)
            try:
                # `sent` is a dict that adapts to the model; openai's overloads only match literal kwargs
                raw = self.client.chat.completions.with_raw_response.create(**sent)  # type: ignore[call-overload]
                break
            except openai.BadRequestError as exc:
                if not self._adapt(str(exc.message), sent):
                    raise
            except openai.NotFoundError as exc:
                if is_model_gone(exc):
                    self._gone = True
                    raise ModelGone(self.model) from exc
                raise
        else:  # pragma: no cover - every adaptation drops something, so this is bounded
            raise UnreadableAnswer("the endpoint rejected every request shape")
        body = raw.http_response.text
        try:
            text, reported = read_completion(body)
        except UnreadableAnswer:
            result.calls.append(usage_from_dict(self.prices, self.model, usage_part(body)))
            raise
        usage = usage_from_dict(self.prices, self.model, reported)
        result.calls.append(usage)
        return text, usage

    def _adapt(self, message: str, sent: dict[str, object]) -> bool:
        """Change what a 400 names: an effort value the model lacks becomes the family's
        default; a parameter the endpoint lacks is dropped; else structured outputs go.
        Batches run at once: a shape another batch already changed is simply tried again."""
        with self._adapting:
            if _shape(sent) != _shape(self.request_body("", [])):
                return True
            return self._change_shape(message.lower())

    def _change_shape(self, lowered: str) -> bool:
        family = family_of(self.model)
        fallback = family.default_effort if family is not None else None
        if (
            "reasoning_effort" in lowered
            and "temperature" not in lowered
            and fallback not in (None, self.effort)
        ):
            log.info("endpoint rejected effort %s; using %s", self.effort, fallback)
            self.effort = fallback
            return True
        for name in ("temperature", "max_completion_tokens", "reasoning_effort"):
            if name in lowered and name not in self._dropped:
                log.info("endpoint rejected %s; asking without it", name)
                self._dropped.add(name)
                return True
        if self._structured:
            log.info("endpoint rejected structured outputs; asking for JSON lines instead")
            self._structured = False
            return True
        return False

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
        reasons = sorted({r.failure for r in results if r.failure})
        if self._gone:  # the one thing the operator must do, instead of a generic fallback note
            gone = gone_note(self.model, known_shutdown(self.model))
            return ScoredBatch(
                ranking=ranking,
                usage=usage,
                calls=calls,
                notes=[f"{gone}; {fell_back} papers were scored offline."],
            )
        notes = [
            f"{len(verdicts)} of {len(base.papers)} papers were rated by {self.model}; "
            "the rest keep their offline scores."
        ]
        if fell_back:
            notes.append(f"{fell_back} papers were scored offline because {'; '.join(reasons)}.")
        return ScoredBatch(ranking=ranking, usage=usage, notes=notes, calls=calls)


def _shape(body: dict[str, object]) -> tuple[object, ...]:
    """What `_adapt` may change in a request, without its messages."""
    return (
        body.get("reasoning_effort"),
        *(name in body for name in ("temperature", "max_completion_tokens", "response_format")),
    )
