"""Queries for profiles: who gets a digest and by which criteria."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from core.models import ProfileView
from storage.tables import Profile


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is talking, as a platform names them."""

    platform: str
    platform_id: str
    workspace: str = ""
    display_name: str = ""
    kind: str = "user"


def find(session: Session, identity: Identity) -> Profile | None:
    query = select(Profile).where(
        Profile.platform == identity.platform,
        Profile.workspace == identity.workspace,
        Profile.platform_id == identity.platform_id,
    )
    return session.exec(query).first()


def create(session: Session, identity: Identity, *, categories: Sequence[str], **fields: Any) -> Profile:
    profile = Profile(
        platform=identity.platform,
        workspace=identity.workspace,
        platform_id=identity.platform_id,
        kind=identity.kind,
        display_name=identity.display_name or identity.platform_id,
        categories=list(categories),
        **fields,
    )
    session.add(profile)
    session.flush()
    return profile


def identity_of(profile: Profile) -> Identity:
    return Identity(
        platform=profile.platform, platform_id=profile.platform_id, workspace=profile.workspace,
        display_name=profile.display_name, kind=profile.kind,
    )  # fmt: skip


def touch(profile: Profile) -> None:
    profile.updated_at = dt.datetime.now(dt.UTC)


def to_view(profile: Profile) -> ProfileView:
    assert profile.id is not None
    return ProfileView(
        id=profile.id, name=profile.display_name or profile.platform_id, criteria=profile.criteria,
        keywords_require=list(profile.keywords_require),
        keywords_exclude=list(profile.keywords_exclude), authors=list(profile.authors),
        categories=list(profile.categories), top_n=profile.top_n,
        min_relevance=profile.min_relevance, min_novelty=profile.min_novelty,
        timezone=profile.timezone, delivery_time=profile.delivery_time, paused=profile.paused,
    )  # fmt: skip


def active_views(session: Session) -> list[ProfileView]:
    """Who gets a digest: active, unpaused profiles that have criteria to score by."""
    query = select(Profile).where(Profile.active, Profile.paused == False)  # noqa: E712
    return [to_view(p) for p in session.exec(query) if p.criteria.strip()]
