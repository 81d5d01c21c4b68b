"""One import, all or nothing: parse the library, fetch what is not stored, record the rest.

Everything that can fail (a bad file, arXiv not answering) fails before the first write, and
the caller's transaction holds the writes, so an import either lands whole or leaves nothing.
Importing the same library twice adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.library.fetch import Fetched
from core.library.ids import title_key
from core.library.parse import Entry, decode, kind_of, parse_library
from storage import library as library_store
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_TITLE_LOOKUPS = 100  # entries without an id looked up by title in one import (~10 requests)
SHOWN_MISSES = 5  # entries named in a reply; the rest are counted


class LibrarySource(Protocol):
    """Where papers the database lacks come from (the arXiv API in production)."""

    def by_ids(self, ids: Sequence[str]) -> dict[str, Fetched]: ...
    def by_titles(self, titles: Sequence[str]) -> dict[str, Fetched]: ...


@dataclass
class ImportReport:
    added: int = 0  # papers new to the user's library
    already: int = 0  # in the file and already imported before
    fetched: int = 0  # of all matched papers, those fetched from arXiv now
    unknown_ids: list[str] = field(default_factory=list)  # ids arXiv does not know
    not_found: list[str] = field(default_factory=list)  # entries without an id, no title match

    def text(self) -> str:
        """`Imported 27 papers (3 fetched from arXiv); 2 entries without an arXiv id not found: …`"""
        noun = "paper" if self.added == 1 else "papers"
        fetched = f" ({self.fetched} fetched from arXiv)" if self.fetched else ""
        parts = [f"Imported {self.added} {noun}{fetched}"]
        if self.already:
            parts.append(f"{self.already} already in your library")
        if self.unknown_ids:
            parts.append(f"{_count(self.unknown_ids, 'id')} arXiv does not know: {_names(self.unknown_ids)}")
        if self.not_found:
            count = _count(self.not_found, "entry", "entries")
            parts.append(f"{count} without an arXiv id not found: {_names(self.not_found)}")
        return "; ".join(parts) + "."


def _count(items: list[str], one: str, many: str | None = None) -> str:
    return f"{len(items)} {one if len(items) == 1 else many or one + 's'}"


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_MISSES])
    return shown + (f" and {len(items) - SHOWN_MISSES} more" if len(items) > SHOWN_MISSES else "")


def import_library(
    session: Session, *, profile_id: int, data: bytes | str, source: LibrarySource
) -> ImportReport:
    """Add the papers of a library export to what the profile likes (see the module docstring)."""
    text = decode(data if isinstance(data, bytes) else data.encode("utf-8"))
    entries = parse_library(text)
    report = ImportReport()
    with_id = [e.arxiv_id for e in entries if e.arxiv_id]
    stored = set(paper_store.get_papers(session, with_id))
    missing = [i for i in with_id if i not in stored]
    to_store = source.by_ids(missing) if missing else {}
    report.unknown_ids = [i for i in missing if i not in to_store]
    matched = [i for i in with_id if i in stored or i in to_store]
    titled = _match_titles(source, [e for e in entries if not e.arxiv_id], report)
    known = set(paper_store.get_papers(session, [f.paper.id for f in titled]))
    for item in titled:
        if item.paper.id not in known:
            to_store.setdefault(item.paper.id, item)
        matched.append(item.paper.id)
    library_store.store_papers(session, [(f.paper, f.published) for f in to_store.values()])
    report.fetched = len(to_store)
    unique = list(dict.fromkeys(matched))
    report.added = library_store.add(session, profile_id=profile_id, paper_ids=unique, source=kind_of(text))
    report.already = len(unique) - report.added
    return report


def _match_titles(source: LibrarySource, entries: list[Entry], report: ImportReport) -> list[Fetched]:
    """Entries without an id, found by title (up to `MAX_TITLE_LOOKUPS`); the rest reported."""
    titled = [e for e in entries if e.title][:MAX_TITLE_LOOKUPS]
    found = source.by_titles([e.title for e in titled if e.title]) if titled else {}
    matches: list[Fetched] = []
    for entry in entries:
        item = found.get(title_key(entry.title)) if entry.title else None
        if item is None:
            report.not_found.append(entry.label or f"line {entry.line}")
        else:
            matches.append(item)
    return matches
