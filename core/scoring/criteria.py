"""Read free-text criteria as a scorer needs them: what is wanted, what is not, under which topic.

Works on the structured form of the seed criteria (numbered topics with "Relevant:" and
"Irrelevant:" lines, keyword lists) and on plain prose ("I like X and Y; not interested in Z").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.models import Criteria
from core.scoring.text import stem, stems, strict_stems

_NEGATIVE_LABEL = re.compile(
    r"\b(irrelevant|not relevant|exclude[sd]?|avoid|not interested|uninterested|dislike|skip|"
    r"ignore|don'?t|do not|never|no interest|not|except)\b(?:\s+in\b)?",
    re.I,
)
_APPLICATION = re.compile(r"\bapplications?\b", re.I)
_FOUNDATIONAL = re.compile(r"\b(foundation(al)?|fundamental|theor(y|etical)|principled)\b", re.I)
_LABEL = re.compile(r"^\**\s*([A-Za-z][A-Za-z /'-]{0,40}?)\s*\**\s*:\s*\**\s*(.*)$")
_HEADING = re.compile(r"^(?:#+\s*|\d+[.)]\s+)(.+)$")
_SPLIT = re.compile(
    r"[,;:()\[\]]|\.\s|\.$|\band\b|\bor\b|\be\.g\.|\bi\.e\.|\betc\b|\bsuch as\b|\bincluding\b|\blike\b",
    re.I,
)
MAX_PHRASE_STEMS = 4
# Words with which criteria talk about themselves ("Keep relevant papers and filter out
# irrelevant ones"): instructions to the reader, never a topic of a paper.
_META_WORDS = "keep filter relevant irrelevant relevance criteria criterion following focus ones purely"
META_STEMS = frozenset(stem(w) for w in _META_WORDS.split())


@dataclass(frozen=True, slots=True)
class Phrase:
    stems: tuple[str, ...]
    text: str
    topic: str
    weight: float = 1.0
    strict: tuple[str, ...] = ()  # the stems with adjective families kept apart (explanations)
    quotable: bool = True  # False: criteria talking about themselves, never named to a user


@dataclass
class ParsedCriteria:
    positive: list[Phrase] = field(default_factory=list)
    negative: list[Phrase] = field(default_factory=list)
    wants_foundational: bool = False
    headings: list[str] = field(default_factory=list)  # numbered or headed sections, as written


def fingerprint(criteria: Criteria) -> str:
    """Stable id of what a scorer sees: same text and keywords, same scores."""
    text = " ".join(criteria.text.split()).lower()
    require = ",".join(sorted(k.lower() for k in criteria.require))
    exclude = ",".join(sorted(k.lower() for k in criteria.exclude))
    digest = hashlib.sha256(f"{text}\x00{require}\x00{exclude}".encode()).hexdigest()
    return digest[:32]


def parse_criteria(criteria: Criteria) -> ParsedCriteria:
    parsed = ParsedCriteria()
    text = criteria.text
    avoid_applications = any(
        _NEGATIVE_LABEL.search(s) and _APPLICATION.search(s) for s in re.split(r"[.\n;]", text)
    )
    parsed.wants_foundational = bool(_FOUNDATIONAL.search(text)) or avoid_applications
    topic = ""
    for raw in text.splitlines():
        line = raw.strip().strip("-*>•\t ").strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading and ":" not in heading.group(1):
            topic = heading.group(1).strip(" *#")
            parsed.headings.append(topic)
            _add(parsed.positive, topic, topic)
            continue
        label = _LABEL.match(line)
        if label:
            name, body = label.group(1), label.group(2)
            negative = bool(_NEGATIVE_LABEL.search(name)) or (
                avoid_applications and bool(_APPLICATION.search(name))
            )
            if not body:  # "Keywords:" introduces a block of its own
                topic = name.strip()
                continue
            _add(parsed.negative if negative else parsed.positive, body, topic)
            continue
        for sentence in re.split(r"(?<=[.!?;])\s+|,\s*(?=(?:but\s+)?not\b|except\b)", line):
            if _NEGATIVE_LABEL.search(sentence):
                _add(parsed.negative, _NEGATIVE_LABEL.sub(",", sentence), topic)
            else:
                _add(parsed.positive, sentence, topic)
    for word in criteria.require:
        _add(parsed.positive, word, "your keywords", weight=3.0, split=False)
    for word in criteria.exclude:
        _add(parsed.negative, word, "your excluded keywords", weight=3.0, split=False)
    return parsed


@lru_cache(maxsize=1024)
def parsed_criteria(criteria: Criteria) -> ParsedCriteria:
    """`parse_criteria`, remembered: a digest reads its criteria twice (scores, then topic
    groups), and readers with the same criteria share one reading. Read it, never change it."""
    return parse_criteria(criteria)


def _add(target: list[Phrase], body: str, topic: str, *, weight: float = 1.0, split: bool = True) -> None:
    chunks = _SPLIT.split(body) if split else [body]
    for chunk in chunks:
        for part in chunk.split("/") if split else [chunk]:
            pairs = list(zip(stems(part), strict_stems(part), strict=True))
            words = tuple(w for w, _ in pairs)
            instruction = split and META_STEMS.issuperset(words)  # "Keep relevant papers"
            if 1 <= len(words) <= MAX_PHRASE_STEMS or (not split and words):
                text = " ".join(part.replace("*", "").split()).strip(" -")
                target.append(
                    Phrase(
                        stems=words,
                        text=text,
                        topic=topic,
                        weight=weight,
                        strict=tuple(s for _, s in pairs),
                        quotable=not instruction,
                    )
                )
