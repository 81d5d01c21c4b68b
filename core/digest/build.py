"""Build a profile's digest of one announcement day from stored papers and scores.

What does not depend on the profile (the day's listing, its words, keyword look-ups) is
kept per day, so building thousands of digests reads the day once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from core.digest.model import Digest, Entry, Span, Totals
from core.digest.select import author_matches, keyword_matches, select
from core.digest.span import MAX_ANNOUNCEMENTS, Part, covered, join, keep_first
from core.digest.topics import in_groups
from core.errors import NotFoundError
from core.learning.learner import Learner
from core.learning.model import Adjustment
from core.models import DayStatus, DigestStatus, Paper, Profile
from core.scoring.daily import fresh_papers
from core.scoring.ranking import ScoredBatch
from core.scoring.service import ScoringService
from core.scoring.text import stems
from storage import deliveries
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

CACHED_SCOPES = 256  # sets of categories a day keeps the papers of


@dataclass
class DayData:
    papers: list[Paper]  # new + cross, the scoring corpus
    listed: list[Paper]  # everything announced, replacements included
    words: list[list[str]] = field(default_factory=list)
    _mentions: dict[str, np.ndarray] = field(default_factory=dict)
    _scopes: dict[frozenset[str], tuple[int, np.ndarray]] = field(default_factory=dict)

    def scope(self, categories: frozenset[str]) -> tuple[int, np.ndarray]:
        """How many listed papers are in `categories` (all when empty), and which papers of the
        corpus: once per day and set of categories, as most readers share a few such sets."""
        found = self._scopes.get(categories)
        if found is None:
            if len(self._scopes) >= CACHED_SCOPES:
                self._scopes.clear()
            listed = sum(1 for p in self.listed if _in(categories, p))
            mask = np.array([_in(categories, p) for p in self.papers], dtype=bool)
            mask.flags.writeable = False  # shared by every reader of these categories
            found = self._scopes[categories] = (listed, mask)
        return found

    def mentions(self, keyword: str) -> np.ndarray:
        key = keyword.lower()
        if key not in self._mentions:
            if not self.words:
                self.words = [stems(f"{p.title} {p.abstract}") for p in self.papers]
            self._mentions[key] = np.array([keyword_matches(keyword, w) for w in self.words], dtype=bool)
        return self._mentions[key]


@dataclass
class Inputs:
    """Everything one profile's digest of a day is ranked from, read from storage in one pass."""

    data: DayData
    seen: set[str]  # papers shown in digests of earlier days
    authored: np.ndarray  # per paper of the day: written by an author the profile follows
    scored: ScoredBatch
    adjustment: Adjustment | None = None  # what the profile's ratings add; None without ratings
    span: Span | None = None  # the days covered, when more than `day` alone


@dataclass
class SpanData(DayData):
    """Several days' papers as one: keyword look-ups come from each day's own (cached) data."""

    parts: list[tuple[DayData, np.ndarray]] = field(default_factory=list)  # a day, the papers kept

    def mentions(self, keyword: str) -> np.ndarray:
        return np.concatenate([data.mentions(keyword)[keep] for data, keep in self.parts])


class DigestBuilder:
    def __init__(
        self,
        *,
        scoring: ScoringService,
        learner: Learner | None = None,
        cached_days: int = MAX_ANNOUNCEMENTS + 1,
    ) -> None:
        self.scoring = scoring
        self.learner = learner
        self._days: OrderedDict[tuple[dt.date, dt.datetime | None], DayData] = OrderedDict()
        self._cached_days = cached_days

    def build(self, session: Session, profile: Profile, day: dt.date, *, ranked_all: bool = False) -> Digest:
        """The digest of `day`; `ranked_all` lists every scanned paper in rank order instead."""
        info = paper_store.day_info(session, day)
        if info is None:
            raise NotFoundError(
                f"no announcement of {day.isoformat()} has been ingested; run `paperbot ingest` first"
            )
        if info.status == DayStatus.QUIET:
            return Digest(day=day, user=profile.name, status=DigestStatus.QUIET, scorer=self.scoring.label)
        inputs = self._load(session, profile, day, info.ingested_at, single=ranked_all)
        return self._rank(profile, day, inputs, ranked_all=ranked_all)

    def build_and_record(self, session: Session, profile: Profile, day: dt.date) -> Digest:
        """The digest a reader is shown, recorded as sent so its papers never come again (an
        empty one too: the reader saw that day, so the next digest is no catch-up)."""
        digest = self.build(session, profile, day)
        if digest.status != DigestStatus.QUIET:
            deliveries.record_sent(
                session, profile_id=profile.id, day=day, paper_ids=[e.paper.id for e in digest.entries]
            )
        return digest

    def build_promised(
        self, session: Session, profile: Profile, day: dt.date, paper_ids: list[str]
    ) -> Digest:
        """A resumed delivery: exactly `paper_ids`, in that order, whatever the profile changed
        since they were promised (top-N, thresholds, keywords, categories, votes)."""
        info = paper_store.day_info(session, day)
        if info is None:
            raise NotFoundError(f"no announcement of {day.isoformat()} has been ingested")
        inputs = self._load(session, profile, day, info.ingested_at)
        papers = inputs.data.papers
        wanted = set(paper_ids)
        mask = np.array([p.id in wanted for p in papers], dtype=bool)
        everything = replace(profile, categories=[], keywords_require=[], keywords_exclude=[], authors=[],
                             top_n=len(papers), min_relevance=-(10**6), min_novelty=-(10**6))  # fmt: skip
        chosen = select(
            everything, inputs.scored.ranking, candidates=mask, mentions=inputs.data.mentions,
            adjustment=inputs.adjustment,
        ).entries  # fmt: skip
        by_id = {e.paper.id: e for e in chosen}
        entries = [by_id[i] for i in paper_ids if i in by_id]
        return Digest(
            day=day, user=profile.name, status=DigestStatus.DIGEST if entries else DigestStatus.EMPTY,
            scorer=_scorer_label(self.scoring.label, entries), usage=inputs.scored.usage, entries=entries,
            span=inputs.span,
        )  # fmt: skip

    def _load(
        self,
        session: Session,
        profile: Profile,
        day: dt.date,
        version: dt.datetime | None,
        *,
        single: bool = False,
    ) -> Inputs:
        """Every read a digest needs (and the scoring of papers not yet cached), in one place;
        the papers of every day the digest covers (`single`: of `day` alone)."""
        seen, last = deliveries.history_before(session, profile_id=profile.id, day=day)
        days, span = ([], None) if single else covered(
            profile, day, last, lambda first: paper_store.announced_days(session, first=first, last=day)
        )  # fmt: skip
        covering = [(i.day, i.ingested_at) for i in reversed(days)] or [(day, version)]  # newest first
        datas = [self._day(session, d, v) for d, v in covering]
        kept = keep_first([d.papers for d in datas]) if len(datas) > 1 else [np.arange(len(datas[0].papers))]
        parts: list[Part] = []
        for (covered_day, _), data, keep in zip(covering, datas, kept, strict=True):
            authored = np.zeros(len(data.papers), dtype=bool)
            if profile.authors:  # matched once here; the selection pins the same papers
                authored[:] = [author_matches(profile.authors, p.authors) for p in data.papers]
            followed = [data.papers[i].id for i in np.flatnonzero(authored)]
            scored = self.scoring.scores_for(
                session, data.papers, profile.as_criteria, day=covered_day, profile_id=profile.id,
                always=followed,
            )  # fmt: skip
            parts.append(Part(scored, keep, authored=authored))
        if len(parts) == 1 and span is None:
            data, scored, authored = datas[0], parts[0].scored, parts[0].authored
        else:
            scored, authored = join(parts)
            data = SpanData(papers=scored.ranking.papers, listed=[p for d in datas for p in d.listed],
                            parts=list(zip(datas, kept, strict=True)))  # fmt: skip
        adjustment = None
        if self.learner is not None:
            adjustment = self.learner.adjustment(session, profile.id, data.papers, day, seen)
        return Inputs(
            data=data, seen=seen, authored=authored, scored=scored, adjustment=adjustment, span=span
        )

    def _rank(self, profile: Profile, day: dt.date, inputs: Inputs, *, ranked_all: bool) -> Digest:
        """The pure part: the profile's rules over what `_load` read; no storage from here on."""
        data, scored, seen = inputs.data, inputs.scored, inputs.seen
        in_scope, scope = data.scope(frozenset(profile.categories))
        fresh = np.array([p.id not in seen for p in data.papers], dtype=bool) if seen else True
        selection = select(
            profile,
            scored.ranking,
            candidates=scope & fresh,
            mentions=data.mentions,
            adjustment=inputs.adjustment,
            authored=inputs.authored,
        )
        entries = selection.ranked() if ranked_all else in_groups(selection.entries, profile.as_criteria)
        return Digest(
            day=day,
            user=profile.name,
            status=DigestStatus.DIGEST if entries else DigestStatus.EMPTY,
            scorer=_scorer_label(self.scoring.label, entries),
            totals=Totals(arxiv=in_scope, scanned=int(scope.sum()), relevant=selection.relevant),
            usage=scored.usage,
            entries=entries,
            closest=[] if ranked_all else selection.closest,
            notes=scored.notes,
            span=inputs.span,
        )

    def _day(self, session: Session, day: dt.date, version: dt.datetime | None) -> DayData:
        key = (day, version)
        if key not in self._days:
            listing = paper_store.day_listing(session, day)
            self._days[key] = DayData(
                papers=fresh_papers(listing),
                listed=[p for p, _ in listing],
            )
            while len(self._days) > self._cached_days:
                self._days.popitem(last=False)
        self._days.move_to_end(key)
        return self._days[key]


def _scorer_label(label: str, entries: list[Entry]) -> str:
    """'llm:gpt-4o-mini', or 'llm:gpt-4o-mini+offline' when some shown scores are offline."""
    sources = {e.score.scorer for e in entries}
    if label == "offline" or sources <= {label}:
        return label
    return f"{label}+offline"


def _in(categories: frozenset[str], paper: Paper) -> bool:
    """Whether a reader of `categories` (every category when empty) scans the paper."""
    return not categories or not categories.isdisjoint(paper.categories)
