"""Queries for LLM usage: every call's tokens and cost, by day, profile and model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy
from sqlmodel import Session, col, func, select

from core.models import Usage
from storage.tables import LlmUsage


def record_calls(
    session: Session, calls: Sequence[Usage], *, day: dt.date, profile_id: int | None, fingerprint: str
) -> None:
    for call in calls:
        session.add(
            LlmUsage(
                day=day,
                profile_id=profile_id,
                fingerprint=fingerprint,
                model=call.model,
                prompt_tokens=call.prompt_tokens,
                cached_tokens=call.cached_tokens,
                completion_tokens=call.completion_tokens,
                reasoning_tokens=max(0, call.reasoning_tokens),
                cost_usd=max(0.0, call.cost_usd),  # a negative report never raises a budget
            )
        )


def spent_usd(session: Session, *, day: dt.date, profile_id: int | None = None) -> float:
    query = select(func.coalesce(func.sum(LlmUsage.cost_usd), 0.0)).where(LlmUsage.day == day)
    if profile_id is not None:
        query = query.where(LlmUsage.profile_id == profile_id)
    return float(session.exec(query).one())


def by_model(session: Session, *, day: dt.date, profile_id: int | None = None) -> list[Usage]:
    """Usage summed per model: of one profile's day, or of the whole day."""
    query = (
        sqlalchemy.select(  # sqlmodel's select is typed for up to four columns
            col(LlmUsage.model),
            func.sum(LlmUsage.prompt_tokens),
            func.sum(LlmUsage.cached_tokens),
            func.sum(LlmUsage.completion_tokens),
            func.sum(LlmUsage.cost_usd),
            func.count(),
            func.sum(LlmUsage.reasoning_tokens),
        )
        .where(col(LlmUsage.day) == day)
        .group_by(col(LlmUsage.model))
    )
    if profile_id is not None:
        query = query.where(col(LlmUsage.profile_id) == profile_id)
    return [
        Usage(
            model=model,
            prompt_tokens=int(p),
            cached_tokens=int(c),
            completion_tokens=int(o),
            cost_usd=float(cost),
            reasoning_tokens=int(r or 0),
        )
        for model, p, c, o, cost, _n, r in session.execute(query)
    ]


def calls_on(session: Session, day: dt.date) -> int:
    return int(session.exec(select(func.count()).select_from(LlmUsage).where(LlmUsage.day == day)).one())
