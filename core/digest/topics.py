"""Grouping a digest by the topics of its criteria, when the criteria have them.

Topics are the numbered ("1. Model Compression") or headed ("## Model Compression") sections
of the criteria text. Each shown paper goes under the topic whose wanted phrases it mentions
most (weighted like the offline scorer's phrases); papers matching none go under "Other".
Only a digest of more than a handful of papers is grouped: a short list reads better flat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from core.digest.select import keyword_matches
from core.models import Criteria
from core.scoring.criteria import ParsedCriteria, parsed_criteria
from core.scoring.text import stems

if TYPE_CHECKING:
    from core.digest.model import Entry

GROUP_FROM = 6  # papers in a digest before it is grouped
OTHER = "Other"


def section_topics(parsed: ParsedCriteria) -> list[str]:
    """The criteria's topics in their written order; empty when the text has no sections."""
    headings = set(parsed.headings)
    if len(headings) < 2:
        return []
    return list(dict.fromkeys(p.topic for p in parsed.positive if p.topic in headings))


def with_topics(entries: Sequence[Entry], criteria: Criteria) -> list[Entry]:
    """The entries, each labelled with the topic it matched best (when there are topics)."""
    if len(entries) < GROUP_FROM:
        return list(entries)
    parsed = parsed_criteria(criteria)
    topics = section_topics(parsed)
    if len(topics) < 2:
        return list(entries)
    phrases = [p for p in parsed.positive if p.topic in topics]
    labelled = []
    for entry in entries:
        words = stems(f"{entry.paper.title} {entry.paper.abstract}")
        weight = dict.fromkeys(topics, 0.0)
        for phrase in phrases:
            if keyword_matches(phrase.text, words):
                weight[phrase.topic] += phrase.weight * len(phrase.stems)
        best = max(topics, key=lambda t: weight[t])  # the first written topic wins a tie
        labelled.append(replace(entry, topic=best if weight[best] > 0 else OTHER))
    return labelled


def grouped(entries: Sequence[Entry]) -> list[tuple[str | None, list[Entry]]]:
    """(topic, entries) in the order of each group's best paper, best first inside a group;
    one untitled group when the entries carry no topics."""
    if not entries or any(e.topic is None for e in entries):
        return [(None, list(entries))]
    groups: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: -e.total):
        groups.setdefault(entry.topic or OTHER, []).append(entry)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == OTHER, -kv[1][0].total))
    return [(topic, members) for topic, members in ordered]


def in_groups(entries: Sequence[Entry], criteria: Criteria) -> list[Entry]:
    """The entries labelled and ordered group by group, so a renderer only has to print a
    heading where the topic changes (`core.digest.model.heading_before`)."""
    return [e for _, members in grouped(with_topics(entries, criteria)) for e in members]
