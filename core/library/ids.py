"""Finding an arXiv identifier in what reference managers and people write for one.

Exports carry ids in many places: `eprint = {2405.01234}`, `arXiv:2405.01234v2`, links to the
abs, pdf or html page (old style `hep-th/9901001` too), the DataCite DOI
`10.48550/arXiv.2405.01234`, or Google Scholar's `arXiv preprint arXiv:2405.01234`. Every
candidate is checked by `core.arxiv_id`, so nothing that is not a real identifier gets through.
"""

from __future__ import annotations

import re

from core import arxiv_id

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z]{1,10}(?:-[a-z]{1,10})?(?:\.[A-Z]{2})?/\d{7}"
_VERSION = r"(?:v\d{1,4})?"
# an id right after something that says "arXiv": a link, a prefix, the DOI
_MARKED = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html|format)/|arxiv[:.]\s*|arxiv\s+preprint\s+(?:arxiv:)?\s*|10\.48550/arxiv\.)"
    rf"(?P<id>{_NEW}|{_OLD}){_VERSION}(?![\d])",
    re.IGNORECASE,
)
# a whole value that is nothing but an id (an `eprint` field, a line of a list)
_BARE = re.compile(rf"(?P<id>{_NEW}|{_OLD}){_VERSION}(?:\.pdf)?")


def _valid(raw: str) -> str | None:
    try:
        return arxiv_id.split(raw)[0]
    except ValueError:
        return None


def marked_id(text: str) -> str | None:
    """The first id that `text` marks as arXiv's (link, `arXiv:` prefix, DOI), without version."""
    for match in _MARKED.finditer(text[:10_000]):
        found = _valid(_fix_case(match.group("id")))
        if found:
            return found
    return None


def bare_id(text: str) -> str | None:
    """`text` when it is an id and nothing else (a version and `.pdf` allowed), without version."""
    match = _BARE.fullmatch(text.strip())
    return _valid(match.group("id")) if match else None


def find_id(text: str) -> str | None:
    """A bare id, or an id marked as arXiv's anywhere in `text`."""
    return bare_id(text) or marked_id(text)


def _fix_case(raw: str) -> str:
    """Links and prefixes are matched ignoring case; an old-style archive is lower case with
    an upper-case subject class (`math.GT/0309136`)."""
    if "/" not in raw:
        return raw
    archive, number = raw.split("/", 1)
    name, _, subject = archive.partition(".")
    return f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"


def title_key(title: str) -> str:
    """Titles compared as words: case, TeX leftovers and punctuation do not count (the same
    key drops a file's duplicate entries and matches the arXiv API's answers)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", title.lower()).split())
