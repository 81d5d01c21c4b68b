"""Operator-side profile management: local (console) users created from the command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.commands import validate
from core.errors import InputError, NotFoundError
from core.models import Identity, Profile
from storage import profiles

if TYPE_CHECKING:
    from sqlmodel import Session


def check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 64 or any(c.isspace() for c in clean):
        raise InputError(f"user names are 1 to 64 characters without spaces, not {name[:40]!r}")
    return clean


def add_local_user(
    session: Session,
    name: str,
    *,
    criteria: str,
    categories: Sequence[str],
    top: int | str | None = None,  # a number, or "all"
    min_relevance: int | None = None,
    min_novelty: int | None = None,
) -> tuple[Profile, bool]:
    """Create a console user, or replace the topics and given options of an existing one."""
    identity = Identity.console(check_name(name))
    if not criteria.strip():
        raise InputError("the topics file is empty")
    if len(criteria) > validate.MAX_CRITERIA:
        raise InputError(
            f"topics are limited to {validate.MAX_CRITERIA:,} characters; the file has {len(criteria):,}"
        )
    options = {
        "top_n": top if top is None else validate.top(str(top), name="--top"),
        "min_relevance": min_relevance
        if min_relevance is None
        else validate.integer(str(min_relevance), name="--min-relevance", low=1, high=10),
        "min_novelty": min_novelty
        if min_novelty is None
        else validate.integer(str(min_novelty), name="--min-novelty", low=1, high=10),
    }
    given = {key: value for key, value in options.items() if value is not None}
    profile = profiles.find(session, identity)
    created = profile is None
    if profile is None:
        profile = profiles.create(session, identity, categories=categories, criteria=criteria, **given)
    else:
        profile.criteria = criteria
        for key, value in given.items():
            setattr(profile, key, value)
        profiles.save(session, profile)
    return profile, created


def local_profile(session: Session, name: str) -> Profile:
    profile = profiles.find(session, Identity.console(name))
    if profile is None:
        raise NotFoundError(
            f"unknown user {name!r}; create it with `paperbot user add {name} --topics-file PATH`"
        )
    return profile


def set_reachable(
    session: Session, *, platform: str, platform_id: str, reachable: bool, workspace: str = ""
) -> None:
    """Mark a profile (in)active: a user who blocked the bot is skipped until they /start again."""
    profile = profiles.find(
        session, Identity(platform=platform, platform_id=platform_id, workspace=workspace)
    )
    if profile is not None:
        profile.active = reachable
        profiles.save(session, profile)
