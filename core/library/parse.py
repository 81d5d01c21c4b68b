"""A library export, as bytes, becomes the entries to import, or one line saying what is wrong.

Two formats: BibTeX (any file with an `@type{` entry) and plain lists, one arXiv id or link a
line (blank lines and `#` comments allowed). Each entry has an arXiv id or, failing that, a
title to look up. The size is bounded before anything is read, so a huge or binary upload
costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InputError
from core.ingest.texify import texify
from core.library import MAX_BYTES
from core.library.bibtex import BibEntry, read_bibtex
from core.library.ids import bare_id, find_id, marked_id, title_key

MAX_ENTRIES = 5_000
_BIBTEX = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_ID_FIELDS = ("eprint", "arxivid", "arxiv", "url", "doi", "journal", "note", "howpublished", "pdf", "link")


@dataclass(frozen=True)
class Entry:
    """One paper of the library: its arXiv id when the export gives one, else its title."""

    line: int
    arxiv_id: str | None = None
    title: str | None = None
    label: str = ""  # how to name it in a report: the citation key or the line's text


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Latin-1 as older exports write; binary is refused."""
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES // 1000
        raise InputError(f"The file is too large ({len(data) // 1000} kB); the limit is {limit} kB.")
    if b"\x00" in data:
        raise InputError("This is not a text file: send a BibTeX (.bib) file or a list of arXiv ids.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def kind_of(text: str) -> str:
    """`bibtex` or `list`: how the library was written, kept with each imported paper."""
    return "bibtex" if _BIBTEX.search(text) else "list"


def parse_library(text: str) -> list[Entry]:
    """The entries of a BibTeX file or an id list, duplicates dropped, in file order."""
    entries = _from_bibtex(text) if kind_of(text) == "bibtex" else _from_list(text)
    if not entries:
        raise InputError("No entries found: send a BibTeX (.bib) file or a list of arXiv ids or links.")
    seen: set[str] = set()
    unique = []
    for entry in entries:
        key = entry.arxiv_id or f"title:{title_key(entry.title or entry.label)}"
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def _from_list(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "%")):
            continue
        tokens = [t for t in re.split(r"[\s,;]+", line) if t]
        several = [find_id(t) for t in tokens] if len(tokens) > 1 else []
        if several and all(several):  # ids side by side (a pasted one-line list)
            found_ids = [i for i in several if i]
        elif (found := find_id(line) or _list_item(line)) is not None:
            found_ids = [found]
        else:
            raise InputError(f"line {number}: not an arXiv id or link: {line[:60]!r}")
        if len(entries) + len(found_ids) > MAX_ENTRIES:
            raise InputError(f"line {number}: more than {MAX_ENTRIES} entries; split the list")
        entries.extend(Entry(line=number, arxiv_id=i, label=i) for i in found_ids)
    return entries


def _list_item(line: str) -> str | None:
    """A list line may carry a bullet, a trailing comment or be one of several on a line."""
    cleaned = re.sub(r"^(?:[-*•]|\d{1,5}[.)])\s+", "", line) if not bare_id(line) else line
    first = cleaned.split()[0] if cleaned.split() else ""
    return bare_id(first.strip(",;<>()[]")) or marked_id(cleaned)


def _from_bibtex(text: str) -> list[Entry]:
    return [_entry(bib) for bib in read_bibtex(text, max_entries=MAX_ENTRIES)]


def _entry(bib: BibEntry) -> Entry:
    title = clean_title(bib.fields.get("title", "")) or None
    return Entry(line=bib.line, arxiv_id=bib_arxiv_id(bib), title=title, label=bib.key or (title or "")[:80])


def bib_arxiv_id(bib: BibEntry) -> str | None:
    """The entry's arXiv id from whichever field its exporter put it in."""
    fields = bib.fields
    eprint = fields.get("eprint", "")
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).strip().lower()
    if eprint and prefix in {"", "arxiv"} and (found := find_id(eprint)):
        return found
    for name in _ID_FIELDS:
        value = fields.get(name, "")
        if value and (found := bare_id(value) if name in {"arxivid", "arxiv"} else marked_id(value)):
            return found
    return None


def clean_title(raw: str) -> str:
    """A BibTeX title as a reader sees it: TeX rendered, protective braces and extra spaces gone."""
    rendered = texify(raw.replace("\n", " "))
    return " ".join(rendered.replace("{", "").replace("}", "").split())[:1000]
