"""Queries for profiles: who gets a digest and by which criteria.

Takes and returns `core.models.Profile`; the table row never leaves this module. Settings
change on a copy and are written back with one `save()`, which stamps `updated_at`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, select

from core.models import Identity, Profile
from storage.tables import Profile as ProfileRow

__all__ = ["Identity", "active", "create", "find", "get", "identity_of", "save", "to_profile"]

# what a command may change; the identity columns (platform, ids, kind) are fixed at creation
_SETTINGS = (
    "criteria", "keywords_require", "keywords_exclude", "authors", "categories", "top_n",
    "min_relevance", "min_novelty", "timezone", "delivery_time", "paused", "cadence", "weekday", "active",
    "owner_id",
)  # fmt: skip
_LISTS = {"keywords_require", "keywords_exclude", "authors", "categories"}


def _row(session: Session, identity: Identity) -> ProfileRow | None:
    query = select(ProfileRow).where(
        ProfileRow.platform == identity.platform,
        ProfileRow.workspace == identity.workspace,
        ProfileRow.platform_id == identity.platform_id,
    )
    return session.exec(query).first()


def find(session: Session, identity: Identity) -> Profile | None:
    row = _row(session, identity)
    return None if row is None else to_profile(row)


def get(session: Session, profile_id: int) -> Profile | None:
    row = session.get(ProfileRow, profile_id)
    return None if row is None else to_profile(row)


def active(session: Session) -> list[Profile]:
    """Active, unpaused profiles that have criteria: whose digests a day must be scored for."""
    query = select(ProfileRow).where(ProfileRow.active, ProfileRow.paused == False)  # noqa: E712
    return [to_profile(row) for row in session.exec(query) if row.criteria.strip()]


def create(session: Session, identity: Identity, *, categories: Sequence[str], **fields: Any) -> Profile:
    """A new profile from the core's defaults, with these settings (names of `Profile` fields)."""
    unknown = set(fields) - set(_SETTINGS)
    if unknown:
        raise TypeError(f"not profile settings: {sorted(unknown)}")
    row = ProfileRow(
        platform=identity.platform,
        workspace=identity.workspace,
        platform_id=identity.platform_id,
        kind=str(identity.kind),
        display_name=identity.display_name or identity.platform_id,
        categories=list(categories),
        **fields,
    )
    session.add(row)
    session.flush()
    return to_profile(row)


def save(session: Session, profile: Profile) -> None:
    """Write a profile's settings back and stamp `updated_at`: the one way settings change."""
    row = session.get(ProfileRow, profile.id)
    if row is None:
        raise LookupError(f"profile {profile.id} is not stored")
    for name in _SETTINGS:
        value = getattr(profile, name)
        setattr(row, name, list(value) if name in _LISTS else value)
    row.updated_at = dt.datetime.now(dt.UTC)
    session.add(row)


def identity_of(profile: Profile) -> Identity:
    """Who a stored profile is on its platform."""
    assert profile.identity is not None, "only stored profiles have an identity"
    return profile.identity


def to_profile(row: ProfileRow) -> Profile:
    assert row.id is not None
    return Profile(
        id=row.id, name=row.display_name or row.platform_id, criteria=row.criteria,
        keywords_require=list(row.keywords_require), keywords_exclude=list(row.keywords_exclude),
        authors=list(row.authors), categories=list(row.categories), top_n=row.top_n,
        min_relevance=row.min_relevance, min_novelty=row.min_novelty, timezone=row.timezone,
        delivery_time=row.delivery_time, paused=row.paused, cadence=row.cadence, weekday=row.weekday,
        active=row.active, owner_id=row.owner_id,
        identity=Identity(
            platform=row.platform, platform_id=row.platform_id, workspace=row.workspace,
            display_name=row.display_name, kind=row.kind,
        ),
    )  # fmt: skip
