"""The Batch API transport for the daily run: half the price, results within hours.

`submit` runs right after ingest: for every distinct criteria it asks about the papers not yet
cached (after the same prefilter as synchronous scoring), as one batch file. `collect` waits
for the results until a deadline (the earliest delivery); whatever is not back by then is
cancelled and left to synchronous scoring, so digests are never late. The score cache and the
usage records are the scoring service's: this module reads and files through it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.models import BatchState, Criteria, Paper, PaperScore, Submission
from core.scoring.llm.answer import parse_answer
from core.scoring.llm.pricing import usage_from_dict
from core.scoring.llm.scorer import LlmScorer
from core.scoring.ranking import Ranking
from core.scoring.service import ScoringService
from storage import batches as batch_store

if TYPE_CHECKING:
    from openai.types import Batch
    from sqlmodel import Session

log = logging.getLogger(__name__)
BATCH_DISCOUNT = 0.5
DONE, GONE = "completed", {"failed", "expired", "cancelled", "cancelling"}


@dataclass
class BatchReport:
    requests: int = 0
    batch_id: str | None = None
    scored: int = 0
    abandoned: bool = False


class BatchScoring:
    def __init__(
        self,
        *,
        scorer: LlmScorer,
        sessions: Callable[[], Session],
        scoring: ScoringService,
        poll_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.scorer = scorer  # the scoring service's own scorer: its client, prompt and prefilter
        self._scoring = scoring
        self._sessions = sessions
        self._poll = poll_seconds
        self._sleep = sleep
        self._now = now

    def _base(self, session: Session, day: dt.date, papers: Sequence[Paper], criteria: Criteria) -> Ranking:
        """The offline ranking synchronous scoring starts from, embeddings included."""
        vectors = self._scoring.day_vectors(session, papers, criteria, day)
        return self.scorer.offline.score_day(papers, criteria, vectors=vectors).ranking

    def submit(self, day: dt.date, papers: Sequence[Paper], criteria: Sequence[Criteria]) -> BatchReport:
        """Queue every uncached paper of `day` for every distinct criteria in one batch."""
        lines: list[str] = []
        meta: dict[str, dict[str, Any]] = {}
        with self._sessions() as session, session.begin():
            for crit in criteria:
                key = self._scoring.cache_key(crit)
                cached = self._scoring.cached(session, papers, crit)
                missing = {p.id for p in papers if p.id not in cached}
                if not missing:
                    continue
                base = self._base(session, day, papers, crit)
                ask = self.scorer.prefilter(base, wanted=missing, always=set())
                left_out = [
                    base.score(i) for i, p in enumerate(papers) if p.id in missing and i not in set(ask)
                ]
                self._scoring.file(session, papers, crit, left_out, day=day)
                for start in range(0, len(ask), self.scorer.batch_size):
                    chunk = [papers[i] for i in ask[start : start + self.scorer.batch_size]]
                    custom_id = f"{key['fingerprint'][:16]}-{start}"
                    body = self.scorer.request_body(crit.text, chunk)
                    lines.append(
                        json.dumps(
                            {
                                "custom_id": custom_id,
                                "method": "POST",
                                "url": "/v1/chat/completions",
                                "body": body,
                            }
                        )
                    )
                    meta[custom_id] = {
                        "criteria": [crit.text, list(crit.require), list(crit.exclude)],
                        "ids": [p.id for p in chunk],
                    }
            if not lines:
                return BatchReport()
            client = self.scorer.client
            upload = client.files.create(
                file=(f"paperbot-{day}.jsonl", "\n".join(lines).encode()), purpose="batch"
            )
            batch = client.batches.create(
                input_file_id=upload.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"paperbot_day": day.isoformat()},
            )
            batch_store.add(session, day=day, batch_id=batch.id, requests=meta)
        return BatchReport(requests=len(lines), batch_id=batch.id)

    def collect(self, day: dt.date, papers: Sequence[Paper], *, deadline: dt.datetime) -> BatchReport:
        """Store the results of `day`'s batches; cancel those not done by `deadline`."""
        report = BatchReport()
        with self._sessions() as session, session.begin():
            for row in batch_store.open_batches(session, day):
                report.batch_id = row.batch_id
                self._settle(session, row, self._wait(row.batch_id, deadline), papers, report)
        return report

    def poll(self, day: dt.date, papers: Sequence[Paper]) -> BatchReport | None:
        """One look at `day`'s open batches without waiting: stores those that are done.
        None while some are still running; the report once none is left open."""
        report = BatchReport()
        with self._sessions() as session, session.begin():
            running = False
            for row in batch_store.open_batches(session, day):
                report.batch_id = row.batch_id
                status = self.scorer.client.batches.retrieve(row.batch_id)
                if status.status == DONE or status.status in GONE:
                    self._settle(session, row, status, papers, report)
                else:
                    running = True
        return None if running else report

    def _settle(
        self, session: Session, row: Submission, status: Any, papers: Sequence[Paper], report: BatchReport
    ) -> None:
        if status.status != DONE or not status.output_file_id:
            log.warning("batch %s is %s; scoring synchronously instead", row.batch_id, status.status)
            batch_store.finish(session, row, BatchState.ABANDONED)
            report.abandoned = True
            return
        output = self.scorer.client.files.content(status.output_file_id).text
        report.scored += self._store(session, row.day, papers, row.requests, output)
        batch_store.finish(session, row, BatchState.COLLECTED)

    def _wait(self, batch_id: str, deadline: dt.datetime) -> Batch:
        client = self.scorer.client
        while True:
            status = client.batches.retrieve(batch_id)
            if status.status == DONE or status.status in GONE:
                return status
            left = (deadline - self._now()).total_seconds()
            if left <= 0:
                return client.batches.cancel(batch_id)
            self._sleep(min(self._poll, left))

    def _store(
        self,
        session: Session,
        day: dt.date,
        papers: Sequence[Paper],
        meta: dict[str, dict[str, Any]],  # JSON as stored by `submit`
        output: str,
    ) -> int:
        by_id = {p.id: p for p in papers}
        values: dict[str, dict[str, float]] = {}  # per criteria fingerprint: the offline values
        stored = 0
        for line in output.splitlines():
            record = json.loads(line) if line.strip() else {}
            info = meta.get(record.get("custom_id", ""))
            response = record.get("response") or {}
            if info is None or response.get("status_code") != 200:
                continue
            body = response["body"]
            text, require, exclude = info["criteria"]
            crit = Criteria(text=text, require=tuple(require), exclude=tuple(exclude))
            content = (body.get("choices") or [{}])[0].get("message", {}).get("content") or ""
            verdicts = parse_answer(content, info["ids"])
            key = self._scoring.cache_key(crit)
            if key["fingerprint"] not in values:
                base = self._base(session, day, papers, crit)
                values[key["fingerprint"]] = {p.id: float(base.value[i]) for i, p in enumerate(base.papers)}
            value = values[key["fingerprint"]]
            fresh = [
                PaperScore(
                    paper_id=v.paper_id,
                    relevance=v.relevance,
                    novelty=v.novelty,
                    value=value[v.paper_id],
                    comment=v.comment,
                    scorer=self.scorer.label,
                )
                for v in verdicts.values()
                if v.paper_id in by_id
            ]
            usage = usage_from_dict(self.scorer.prices, self.scorer.model, body.get("usage") or {})
            usage.cost_usd *= BATCH_DISCOUNT
            self._scoring.file(session, papers, crit, fresh, calls=[usage], day=day)
            stored += len(fresh)
        return stored
