"""`paperbot status`: what an operator checks first — the latest announcement, whether it
is scored, how today's deliveries stand, and the last errors."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from core.models import DeliveryState
from core.scoring.criteria import fingerprint
from core.scoring.daily import active_profiles, distinct_criteria, fresh_papers
from core.scoring.llm.lifecycle import lifecycle_lines
from core.scoring.service import ScoringService
from storage import deliveries, health, scores
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session


STALE = dt.timedelta(minutes=2)  # a running process refreshes its rows every 15 s by default


def _ago(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def service_lines(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Each running process's adapters and scheduler as that process last wrote them, with
    how old the news is: a row not refreshed for a while belongs to a process that died."""
    now = now or dt.datetime.now(dt.UTC)
    rows = health.read(session, since=now - dt.timedelta(days=1))
    if not rows:
        return ["services: no `paperbot run` has reported in the last day"]
    lines = ["services (as each running process last reported):"]
    for process, state, updated in rows:
        up = "running" if state.service in {"scheduler", "web"} else "connected"  # adapters connect
        shown = up if state.state == "up" else state.state
        reason = f": {state.detail}" if state.detail else ""
        stale = " — no word since, the process may be gone" if (
            state.state != "stopped" and now - updated > STALE) else ""  # fmt: skip
        lines.append(
            f"  {state.service} ({process}): {shown} since {state.since:%Y-%m-%d %H:%M:%S} UTC{reason} "
            f"(updated {_ago(now - updated)}){stale}"
        )
    return lines


def status_lines(session: Session, scoring: ScoringService) -> list[str]:
    return _day_lines(session, scoring) + service_lines(session)


def _day_lines(session: Session, scoring: ScoringService) -> list[str]:
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
