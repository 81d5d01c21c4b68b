"""`paperbot status`: what an operator checks first — the latest announcement, whether it
is scored, how today's deliveries stand, and the last errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import DeliveryState
from core.scoring.criteria import fingerprint
from core.scoring.daily import active_profiles, distinct_criteria, fresh_papers
from core.scoring.llm.lifecycle import lifecycle_lines
from core.scoring.service import ScoringService
from storage import deliveries, scores
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session


def status_lines(session: Session, scoring: ScoringService) -> list[str]:
    day = paper_store.latest_day(session, announced_only=False)
    if day is None:
        return ["latest announcement: none ingested yet (run `paperbot ingest` or `paperbot run`)"]
    info = paper_store.day_info(session, day)
    assert info is not None
    announced = paper_store.latest_day(session)
    lines = [
        f"latest announcement: {day} ({info.status}, {info.entries} papers, "
        f"ingested {info.ingested_at:%Y-%m-%d %H:%M} UTC)"
    ]
    if announced is None:
        return lines
    if announced != day:
        lines.append(f"latest announced day: {announced}")
    views = active_profiles(session)
    wanted = {fingerprint(c) for c in distinct_criteria(views)}
    if scoring.scorer.persistent:
        ids = [p.id for p in fresh_papers(paper_store.day_listing(session, announced))]
        done = wanted & scores.fingerprints_scored(session, ids, scorer=scoring.scorer.name)
        lines.append(f"scoring ({scoring.label}): {len(done)} of {len(wanted)} distinct criteria scored")
        lines += lifecycle_lines(scoring.scorer)  # the model's shutdown date, when near
    else:
        lines.append(f"scoring ({scoring.label}): computed as each digest is built; {len(wanted)} criteria")
    counts = deliveries.counts(session, announced)
    waiting = max(len(views) - sum(counts.values()), 0)
    lines.append(
        f"deliveries of {announced}: {counts[DeliveryState.SENT]} sent, "
        f"{counts[DeliveryState.PENDING]} pending, {counts[DeliveryState.FAILED]} failed, "
        f"{waiting} not due yet"
    )
    errors = deliveries.last_errors(session)
    if errors:
        lines.append("last errors:")
    for failure in errors:
        who = failure.identity
        retry = f"retry at {failure.next_attempt_at:%H:%M} UTC" if failure.next_attempt_at else "final"
        lines.append(
            f"  {who.platform}/{who.platform_id} {failure.day} attempt {failure.attempts} ({retry}): "
            f"{failure.error}"
        )
    return lines
