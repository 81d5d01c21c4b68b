"""Plain data the core passes around: papers, profiles, votes, scores. Nothing here does I/O.

These are the one set of domain types: storage maps its rows to them and back, adapters build
`Identity` and `Vote` from platform events. States and reasons are `StrEnum`s, so they compare
equal to (and are stored as) the same strings as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.text import visible


class AnnounceType(StrEnum):
    """How arXiv's listing announces a paper on a day."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"


class DayStatus(StrEnum):
    """Whether arXiv announced papers on a day (a quiet day has none: weekends, holidays)."""

    ANNOUNCED = "announced"
    QUIET = "quiet"


class DeliveryState(StrEnum):
    """A delivery claim's life: pending while sending, then sent or failed (maybe retried)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class BatchState(StrEnum):
    """A Batch API submission: waiting, its results stored, or given up (direct scoring took over)."""

    SUBMITTED = "submitted"
    COLLECTED = "collected"
    ABANDONED = "abandoned"


class DigestStatus(StrEnum):
    """digest: papers passed; empty: none passed (see `closest`); quiet: no announcement."""

    DIGEST = "digest"
    EMPTY = "empty"
    QUIET = "quiet"


class Reason(StrEnum):
    """Why a paper is in a digest."""

    AUTHOR_MATCH = "author match"
    CRITERIA = "criteria"
    FEEDBACK = "feedback"
    EXPLORE = "explore"  # just outside the learned focus, so ratings can teach both ways


class Cadence(StrEnum):
    """How often a profile gets a digest: every announcement day, or once a week (`weekday`)."""

    DAILY = "daily"
    WEEKLY = "weekly"


class Kind(StrEnum):
    """What a profile is on its platform: a person, a group chat or a channel."""

    USER = "user"
    GROUP = "group"
    CHANNEL = "channel"


class Direction(StrEnum):
    """A vote's direction; named like the commands, stored as +1/-1 (`sign`)."""

    UP = "up"
    DOWN = "down"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.UP else -1

    @property
    def thumb(self) -> str:
        return "👍" if self is Direction.UP else "👎"

    @classmethod
    def of(cls, value: int) -> Direction:
        """The direction of a stored rating (+1 / -1)."""
        return cls.UP if value > 0 else cls.DOWN


ANNOUNCE_TYPES = tuple(AnnounceType)
FRESH_TYPES = (AnnounceType.NEW, AnnounceType.CROSS)  # what a digest considers "new today"

_VERSIONED_ID = re.compile(r"^(?P<id>.+?)(?:v(?P<version>\d+))?$")


def split_version(arxiv_id: str) -> tuple[str, int]:
    """`2506.18945v2` → (`2506.18945`, 2); an id without version counts as version 1."""
    match = _VERSIONED_ID.match(arxiv_id.strip())
    if match is None:  # pragma: no cover - the pattern matches any non-empty string
        return arxiv_id, 1
    return match.group("id"), int(match.group("version") or 1)


@dataclass(frozen=True, slots=True)
class Paper:
    """An arXiv paper's metadata, already rendered from TeX."""

    id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...] = ()
    primary_category: str = ""
    comment: str | None = None
    version: int = 1

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"


@dataclass(frozen=True, slots=True)
class Listed:
    """A paper as one announcement lists it."""

    paper: Paper
    announce_type: str = AnnounceType.NEW


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a scorer sees of a profile: the free text and the keywords."""

    text: str
    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperScore:
    """One scorer's verdict on one paper for one criteria."""

    paper_id: str
    relevance: int
    novelty: int
    value: float
    comment: str
    scorer: str


@dataclass(slots=True)
class Usage:
    """LLM usage as the API reported it; zero for offline scoring and cache hits."""

    model: str = ""
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    reasoning_tokens: int = 0  # part of completion_tokens, as the API reports them

    def add(self, other: Usage) -> None:
        self.model = self.model or other.model
        self.prompt_tokens += other.prompt_tokens
        self.cached_tokens += other.cached_tokens
        self.completion_tokens += other.completion_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cost_usd += other.cost_usd


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is talking, as a platform names them; it finds (or creates) their profile."""

    platform: str
    platform_id: str
    workspace: str = ""
    display_name: str = ""
    kind: str = Kind.USER

    def __post_init__(self) -> None:  # a name is the platform's text: storable, like a message
        object.__setattr__(self, "display_name", visible(self.display_name))

    @classmethod
    def console(cls, name: str) -> Identity:
        """A local user of the terminal (`paperbot chat`, `digest`, `user add`)."""
        return cls(platform="console", platform_id=name, display_name=name)


@dataclass(frozen=True, slots=True)
class Vote:
    """A 👍 or 👎 on one paper, as a button or a command gives it."""

    paper_id: str
    direction: Direction

    @property
    def value(self) -> int:
        return self.direction.sign

    @property
    def up(self) -> bool:
        return self.direction is Direction.UP

    @property
    def thumb(self) -> str:
        return self.direction.thumb


@dataclass(slots=True)
class Profile:
    """Whoever receives a digest, and their settings. The defaults here are the only ones: a
    stored profile starts from them. Change a copy and hand it to `storage.profiles.save`."""

    id: int
    name: str
    criteria: str = ""
    keywords_require: list[str] = field(default_factory=list)
    keywords_exclude: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    top_n: int = 10
    min_relevance: int = 8
    min_novelty: int = 7
    timezone: str = "UTC"
    delivery_time: str = "08:00"
    paused: bool = False
    cadence: str = Cadence.DAILY
    weekday: int | None = None  # weekly digests: 0 = Monday … 6 = Sunday, on the profile's clock
    active: bool = True  # False once the platform says the recipient is gone (blocked the bot)
    owner_id: str | None = None  # who subscribed a group or channel (may edit it without admin rights)
    identity: Identity | None = None  # None only for profiles that were never stored

    @property
    def as_criteria(self) -> Criteria:
        return Criteria(
            text=self.criteria,
            require=tuple(self.keywords_require),
            exclude=tuple(self.keywords_exclude),
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker owns: the papers and messages it already recorded survive a crash."""

    id: int
    profile_id: int
    day: dt.date
    attempts: int
    paper_ids: list[str]
    message_ids: list[str]


@dataclass(frozen=True, slots=True)
class Delivered:
    """A profile's digest of one day as recorded: its state and the papers it showed."""

    profile_id: int
    day: dt.date
    state: DeliveryState
    paper_ids: list[str]
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """A failed delivery, for the operator's status page."""

    identity: Identity
    day: dt.date
    attempts: int
    error: str
    next_attempt_at: dt.datetime | None = None  # None: final


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: dt.date
    status: DayStatus
    entries: int
    ingested_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A day's scoring requests submitted to the Batch API and not yet settled."""

    id: int
    day: dt.date
    batch_id: str
    requests: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ServiceState:
    """How one adapter or the scheduler of a running process stands, for `paperbot status`."""

    service: str  # telegram | slack | web | scheduler
    state: str  # starting | up | retrying | failing | stopped
    detail: str = ""  # the reason, one line, no secret
    since: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
