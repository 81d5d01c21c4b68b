"""Plain data the core passes around: papers, profiles, scores. Nothing here does I/O."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
FRESH_TYPES = ("new", "cross")  # what a digest considers "new today"

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
    announce_type: str = "new"


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


@dataclass(slots=True)
class ProfileView:
    """A profile as the core reads it (a copy of the stored row, safe to pass around)."""

    id: int
    name: str
    criteria: str
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

    @property
    def as_criteria(self) -> Criteria:
        return Criteria(
            text=self.criteria,
            require=tuple(self.keywords_require),
            exclude=tuple(self.keywords_exclude),
        )


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: dt.date
    status: str  # announced | quiet
    entries: int
    ingested_at: dt.datetime | None = None
