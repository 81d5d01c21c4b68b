"""SQLModel tables: one place that says what paperbot keeps and which rows are unique."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core import models

# a new profile starts from the core's defaults; they are written down once, in core.models
_PROFILE = {
    f.name: f.default for f in dataclasses.fields(models.Profile) if f.default is not dataclasses.MISSING
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Paper(SQLModel, table=True):
    """An arXiv paper, keyed by its id without version; replacements update it in place."""

    id: str = Field(primary_key=True, max_length=64)
    version: int = 1
    title: str
    authors: list[str] = _json_list()
    abstract: str
    categories: list[str] = _json_list()
    primary_category: str = ""
    comment: str | None = None
    announced_on: dt.date = Field(index=True)
    announce_type: str = models.AnnounceType.NEW.value
    updated_at: dt.datetime = Field(default_factory=_now)


class AnnouncementDay(SQLModel, table=True):
    """One arXiv announcement day as ingested, quiet days (no announcement) included."""

    __tablename__ = "announcement_day"

    day: dt.date = Field(primary_key=True)
    status: str = models.DayStatus.ANNOUNCED.value  # core.models.DayStatus
    categories: list[str] = _json_list()
    entries: int = 0
    source: str = "rss"  # rss | file
    ingested_at: dt.datetime = Field(default_factory=_now)


class Announcement(SQLModel, table=True):
    """A paper's appearance in one day's listing, with arXiv's announce type."""

    day: dt.date = Field(primary_key=True, foreign_key="announcement_day.day")
    paper_id: str = Field(primary_key=True, foreign_key="paper.id", max_length=64)
    announce_type: str = models.AnnounceType.NEW.value  # core.models.AnnounceType
    version: int = 1


class Profile(SQLModel, table=True):
    """Whoever receives a digest: a person, a Telegram group or a Slack channel."""

    __table_args__ = (UniqueConstraint("platform", "workspace", "platform_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)  # console | telegram | slack
    workspace: str = Field(default="", max_length=64)
    platform_id: str = Field(max_length=128)
    kind: str = models.Kind.USER.value  # core.models.Kind
    owner_id: str | None = _PROFILE["owner_id"]
    display_name: str = ""
    criteria: str = _PROFILE["criteria"]
    keywords_require: list[str] = _json_list()
    keywords_exclude: list[str] = _json_list()
    authors: list[str] = _json_list()
    categories: list[str] = _json_list()
    top_n: int = _PROFILE["top_n"]
    min_relevance: int = _PROFILE["min_relevance"]
    min_novelty: int = _PROFILE["min_novelty"]
    timezone: str = _PROFILE["timezone"]
    delivery_time: str = _PROFILE["delivery_time"]
    paused: bool = _PROFILE["paused"]
    cadence: str = Field(default=_PROFILE["cadence"], max_length=8)  # core.models.Cadence
    weekday: int | None = _PROFILE["weekday"]
    active: bool = _PROFILE["active"]
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)


class Score(SQLModel, table=True):
    """A paper's score for one criteria fingerprint by one scorer; the cross-user cache."""

    __table_args__ = (
        UniqueConstraint("paper_id", "paper_version", "fingerprint", "scorer", "model", "prompt_version"),
        Index("ix_score_lookup", "fingerprint", "scorer", "model", "prompt_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    paper_id: str = Field(foreign_key="paper.id", max_length=64)
    paper_version: int = 1
    fingerprint: str = Field(max_length=64)
    scorer: str = Field(max_length=32)  # the cache key: the scorer that was asked
    source: str = Field(default="", max_length=96)  # who produced it: llm:model, offline, …
    model: str = Field(default="", max_length=64)
    prompt_version: str = Field(default="", max_length=32)
    relevance: int
    novelty: int
    value: float = 0.0
    comment: str = ""
    created_at: dt.datetime = Field(default_factory=_now)


class Rating(SQLModel, table=True):
    """A 👍 (+1) or 👎 (-1) from one profile on one paper; a new vote replaces the old."""

    __table_args__ = (UniqueConstraint("profile_id", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    paper_id: str = Field(foreign_key="paper.id", max_length=64)
    value: int
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)


class LibraryPaper(SQLModel, table=True):
    """One paper of one profile's imported library; importing it again changes nothing."""

    __tablename__ = "library_paper"
    __table_args__ = (UniqueConstraint("profile_id", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    paper_id: str = Field(foreign_key="paper.id", max_length=64)
    source: str = Field(max_length=16)  # bibtex | list
    imported_at: dt.datetime = Field(default_factory=_now)


class Delivery(SQLModel, table=True):
    """One digest per profile and digest date: the exactly-once claim and what was sent."""

    __table_args__ = (
        UniqueConstraint("profile_id", "digest_date"),
        Index("ix_delivery_state", "digest_date", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    digest_date: dt.date
    state: str = models.DeliveryState.PENDING.value  # core.models.DeliveryState
    paper_ids: list[str] = _json_list()
    message_ids: list[str] = _json_list()
    attempts: int = 0
    error: str | None = None
    created_at: dt.datetime = Field(default_factory=_now)
    claimed_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None  # a failure that will be retried; None: final
    sent_at: dt.datetime | None = None
    owner: str | None = Field(default=None, max_length=128)  # the worker sending a pending row
    lease_until: dt.datetime | None = None  # the owner's heartbeat; past it, recovery may take over


class LlmUsage(SQLModel, table=True):
    """The usage the API reported for one LLM call, for cost accounting."""

    __tablename__ = "llm_usage"

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date | None = Field(default=None, index=True)
    profile_id: int | None = Field(default=None, foreign_key="profile.id")
    fingerprint: str = Field(default="", max_length=64)
    model: str = Field(max_length=64)
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    created_at: dt.datetime = Field(default_factory=_now)
    reasoning_tokens: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # within completion


class LlmBatch(SQLModel, table=True):
    """A day's scoring submitted to the OpenAI Batch API (half price, results within 24 h)."""

    __tablename__ = "llm_batch"

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    batch_id: str = Field(max_length=128)
    state: str = models.BatchState.SUBMITTED.value  # core.models.BatchState
    requests: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=_now)
    finished_at: dt.datetime | None = None


class Vector(SQLModel, table=True):
    """An embedding of a paper (`paper:<id>v<version>`) or a criteria text
    (`text:<sha256>`) by one model: computed once, reused by every user and process."""

    key: str = Field(primary_key=True, max_length=96)
    model: str = Field(primary_key=True, max_length=96)
    dim: int
    data: bytes  # float32, little-endian, unit length
    created_at: dt.datetime = Field(default_factory=_now)


class Lease(SQLModel, table=True):
    """A named role (the scheduler's leader) held by one worker until its lease expires."""

    name: str = Field(primary_key=True, max_length=64)
    owner: str = Field(max_length=128)
    expires_at: dt.datetime


class ServiceHealth(SQLModel, table=True):
    """How one adapter or the scheduler of one running process stands, written by that process
    (on every change and on a heartbeat) so `paperbot status`, another process, can show it."""

    __tablename__ = "service_health"

    process: str = Field(primary_key=True, max_length=128)
    service: str = Field(primary_key=True, max_length=32)
    state: str = Field(max_length=16)  # starting | up | retrying | failing | stopped
    detail: str = Field(default="", max_length=300)
    since: dt.datetime
    updated_at: dt.datetime
