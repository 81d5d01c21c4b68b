"""Turn one paper's raw metadata from any source into a bounded, validated `Paper`.

Every source (saved listing, RSS feed, arXiv API) goes through `make_paper`, so a hostile
or broken record is refused, or cut to size, the same way wherever it comes from: ids must
be arXiv identifiers, versions small positive integers, text valid Unicode and of a length
a digest can carry (arXiv's own limits are far below these bounds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from core import arxiv_id
from core.ingest.texify import texify
from core.models import Paper
from core.text import visible

MAX_TITLE = 1000
MAX_ABSTRACT = 6000
MAX_COMMENT = 1000
MAX_AUTHOR = 200
MAX_AUTHORS = 1000
MAX_CATEGORIES = 20
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?")


def make_paper(
    *,
    versioned_id: Any,
    title: Any,
    authors: Iterable[Any],
    abstract: Any,
    categories: Iterable[Any],
    primary_category: Any = None,
    comment: Any = None,
    version: Any = None,
) -> Paper:
    """A `Paper` from raw fields; raises ValueError naming the first field that is unusable."""
    if not isinstance(versioned_id, str):
        raise ValueError("id must be a string")
    paper_id, id_version = arxiv_id.split(versioned_id)
    cats = tuple(c for c in map(_category, categories) if c)
    if len(cats) > MAX_CATEGORIES:
        raise ValueError("too many categories")
    primary = (_category(primary_category) if primary_category is not None else "") or (
        cats[0] if cats else ""
    )
    names = [_clean(a, "author", MAX_AUTHOR) for a in authors]
    return Paper(
        id=paper_id,
        version=_version(version) if version is not None else id_version,
        title=_required(_clean(title, "title", MAX_TITLE), "title"),
        authors=tuple(n for n in names if n)[:MAX_AUTHORS],
        abstract=_clean(abstract or "", "abstract", MAX_ABSTRACT),
        categories=cats,
        primary_category=primary,
        comment=_clean(comment, "comment", MAX_COMMENT) or None if comment else None,
    )


def _version(value: Any) -> int:
    """Only a JSON integer from 1 to arxiv_id.MAX_VERSION: no floats, no strings, no bools."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("version must be a whole number")
    if not 1 <= value <= arxiv_id.MAX_VERSION:
        raise ValueError("version out of range")
    return value


def _category(value: Any) -> str:
    """An arXiv category name; "" for the ACM/MSC class codes listings also carry ("68T05")."""
    if not isinstance(value, str):
        raise ValueError("categories must be strings")
    name = value.strip()
    return name if len(name) <= 30 and _CATEGORY.fullmatch(name) else ""


def _clean(value: Any, name: str, limit: int) -> str:
    """Control characters dropped, whitespace folded, TeX rendered, cut to `limit`; lone
    surrogates refuse the record."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not valid Unicode") from None
    text = texify(" ".join(visible(value[: limit * 4]).split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _required(text: str, name: str) -> str:
    if not text:
        raise ValueError(f"{name} must not be empty")
    return text
