"""The selection rules: followed authors first, excluded keywords out, thresholds, top-N.

Works on a day's score arrays, so only the papers someone will see become objects.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.digest.model import Entry
from core.learning.explain import ranked_up_by_ratings
from core.models import Profile, Reason
from core.scoring.ranking import Ranking
from core.scoring.text import stems

if TYPE_CHECKING:
    from core.learning.model import Adjustment


def normalise_name(name: str) -> tuple[str, ...]:
    """'Søren  Hauberg' → ('soren', 'hauberg'): accents, case and punctuation do not count."""
    plain = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "O").replace("ł", "l"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return tuple(re.findall(r"[a-z0-9]+", plain))


def author_matches(followed: Sequence[str], authors: Iterable[str]) -> bool:
    """Full names match, and so do initials: 'Y. Bengio' follows 'Yoshua Bengio'."""
    wanted = [w for w in map(normalise_name, followed) if w]
    for author in authors:
        name = normalise_name(author)
        for want in wanted:
            if name == want or (
                len(want) >= 2 and name and name[-1] == want[-1] and name[0][0] == want[0][0]
                and (len(want[0]) == 1 or len(name[0]) == 1)
            ):  # fmt: skip
                return True
    return False


def keyword_matches(keyword: str, paper_stems: Sequence[str]) -> bool:
    """True when the keyword's stems occur in a row in the paper (plurals, hyphens alike)."""
    wanted = stems(keyword)
    if not wanted:
        return False
    width = len(wanted)
    return any(list(paper_stems[i : i + width]) == wanted for i in range(len(paper_stems) - width + 1))


@dataclass
class Selection:
    entries: list[Entry]
    relevant: int
    closest: list[Entry]
    ranked: Callable[[], list[Entry]]


def select(
    profile: Profile,
    ranking: Ranking,
    *,
    candidates: np.ndarray,
    mentions: Callable[[str], np.ndarray],
    adjustment: Adjustment | None = None,
    authored: np.ndarray | None = None,
) -> Selection:
    """Apply the profile's rules to the papers marked in `candidates` (a boolean mask);
    `adjustment` adds the relevance points learned from the user's ratings; `authored` marks
    papers by followed authors when the caller has matched them already (else matched here)."""
    papers = ranking.papers
    boost = adjustment.points(ranking.relevance) if adjustment is not None else np.zeros(len(papers))
    pinned = np.zeros(len(papers), dtype=bool)
    if profile.authors:
        if authored is None:
            authored = np.array([author_matches(profile.authors, p.authors) for p in papers], dtype=bool)
        pinned = candidates & authored
    kept = candidates & ~pinned
    for word in profile.keywords_exclude:
        kept &= ~mentions(word)
    if profile.keywords_require:
        kept &= np.logical_or.reduce([mentions(w) for w in profile.keywords_require])
    relevance = ranking.relevance + boost
    total = relevance + ranking.novelty
    order = np.lexsort((-ranking.value, -relevance, -total))  # best first
    passing = kept & (relevance >= profile.min_relevance) & (ranking.novelty >= profile.min_novelty)
    pinned_order = order[pinned[order]].tolist()
    passing_order = order[passing[order]].tolist()
    chosen = pinned_order + passing_order[: max(0, profile.top_n - len(pinned_order))]
    explored = _explore(profile, ranking, adjustment, kept & ~pinned, chosen, len(pinned_order))
    if explored is not None:
        chosen = [*chosen[:-1], explored]

    def entries(indices: list[int]) -> list[Entry]:
        likes = adjustment.likes(indices) if adjustment is not None else [None] * len(indices)
        return [
            Entry(
                papers[i],
                ranking.score(i),
                Reason.EXPLORE if i == explored else _reason(pinned[i], boost[i]),
                boost=round(float(boost[i]), 2),
                like=like,
            )
            for i, like in zip(indices, likes, strict=True)
        ]

    closest = [] if chosen else entries(order[kept[order]][:3].tolist())
    return Selection(
        entries=entries(chosen),
        relevant=len(pinned_order) + len(passing_order),
        closest=closest,
        ranked=lambda: entries(pinned_order + order[kept[order]].tolist()),
    )


def _explore(
    profile: Profile,
    ranking: Ranking,
    adjustment: Adjustment | None,
    kept: np.ndarray,
    chosen: list[int],
    pinned: int,
) -> int | None:
    """On an exploring day, the paper for the digest's last slot: the best by the criteria
    alone among those the learned taste puts below the day's average (just outside the
    focus); None when the digest is too short to spare a slot or nothing qualifies."""
    if adjustment is None or not adjustment.explore or len(chosen) - pinned < max(profile.top_n, 5):
        return None
    taken = set(chosen)
    outside = (
        kept
        & (adjustment.taste < 0)
        & (ranking.relevance >= profile.min_relevance)
        & (ranking.novelty >= profile.min_novelty)
    )
    by_criteria = np.lexsort((-ranking.value, -(ranking.relevance + ranking.novelty)))
    return next((int(i) for i in by_criteria if outside[i] and i not in taken), None)


def _reason(pinned: bool, boost: float) -> Reason:
    if pinned:
        return Reason.AUTHOR_MATCH
    return Reason.FEEDBACK if ranked_up_by_ratings(boost) else Reason.CRITERIA
