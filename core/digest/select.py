"""The selection rules: followed authors first, excluded keywords out, thresholds, top-N."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.digest.model import Entry
from core.models import Paper, PaperScore, ProfileView
from core.scoring.text import stems


def normalise_name(name: str) -> tuple[str, ...]:
    """'Søren  Hauberg' → ('soren', 'hauberg'): accents, case and punctuation do not count."""
    plain = unicodedata.normalize(
        "NFKD", name.replace("ø", "o").replace("Ø", "O").replace("ł", "l")
    )
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return tuple(re.findall(r"[a-z0-9]+", plain))


def author_matches(followed: Sequence[str], authors: Iterable[str]) -> bool:
    wanted = [normalise_name(f) for f in followed]
    wanted = [w for w in wanted if w]
    for author in authors:
        name = normalise_name(author)
        for want in wanted:
            if name == want or (
                len(want) >= 2 and name and name[-1] == want[-1] and name[0][0] == want[0][0]
                and (len(want[0]) == 1 or len(name[0]) == 1 or name[0] == want[0])
            ):  # fmt: skip
                return True
    return False


def keyword_matches(keyword: str, paper_stems: Sequence[str]) -> bool:
    """True when the keyword's stems occur in a row in the paper (plurals, hyphens alike)."""
    wanted = stems(keyword)
    if not wanted:
        return False
    width = len(wanted)
    return any(
        list(paper_stems[i : i + width]) == wanted for i in range(len(paper_stems) - width + 1)
    )


def rank_key(entry: Entry) -> tuple[float, int, float]:
    return (entry.total, entry.score.relevance, entry.score.value)


@dataclass
class Selection:
    entries: list[Entry]
    relevant: int
    closest: list[Entry]
    ranked: list[Entry]


def select(
    profile: ProfileView, papers: Sequence[Paper], scores: dict[str, PaperScore]
) -> Selection:
    """Apply the profile's rules to scored papers; `ranked` lists every kept paper in order."""
    pinned: list[Entry] = []
    others: list[Entry] = []
    for paper in papers:
        score = scores[paper.id]
        if profile.authors and author_matches(profile.authors, paper.authors):
            pinned.append(Entry(paper, score, "author match"))
            continue
        words = stems(f"{paper.title} {paper.abstract}")
        if any(keyword_matches(k, words) for k in profile.keywords_exclude):
            continue
        if profile.keywords_require and not any(
            keyword_matches(k, words) for k in profile.keywords_require
        ):
            continue
        others.append(Entry(paper, score, "criteria"))
    pinned.sort(key=rank_key, reverse=True)
    others.sort(key=rank_key, reverse=True)
    passing = [
        e for e in others
        if e.score.relevance >= profile.min_relevance and e.score.novelty >= profile.min_novelty
    ]  # fmt: skip
    room = max(0, profile.top_n - len(pinned))
    entries = pinned + passing[:room]
    return Selection(
        entries=entries,
        relevant=len(pinned) + len(passing),
        closest=[] if entries else others[:3],
        ranked=pinned + others,
    )
