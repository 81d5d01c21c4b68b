"""A loopback server that speaks arXiv's RSS feed and Atom API, for the real clients to call.

Feeds are built in the real format (channel pubDate, `arXiv:IDvN Announce Type: …` descriptions,
`arxiv:announce_type`, `dc:creator`); API answers are Atom built from the same records, or
recorded real responses. Responses can be scripted (a 429 first, malformed XML) and every
request is recorded.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from tests.fakes.loopback import LoopbackServer, QuietHandler


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering: longer than the client's timeout is a timeout


def rss_feed(day: dt.date | None, items: list[tuple[dict[str, Any], str, int]]) -> bytes:
    """An RSS document as rss.arxiv.org serves it; `items` are (record, announce type, version)."""
    stamp = format_datetime(
        dt.datetime.combine(day or dt.date(2025, 6, 7), dt.time(0, 0), dt.timezone(dt.timedelta(hours=-4)))
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>',
        "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>",
        "<description>cs.LG updates on the arXiv.org e-print archive.</description>",
        f"<lastBuildDate>{stamp}</lastBuildDate><pubDate>{stamp}</pubDate>",
        "<skipDays><day>Saturday</day><day>Sunday</day></skipDays>",
    ]
    for record, kind, version in items:
        parts.append(
            "<item>"
            f"<title>{escape(record['title'])}</title>"
            f"<link>https://arxiv.org/abs/{record['id']}</link>"
            f"<description>arXiv:{record['id']}v{version} Announce Type: {kind} \n"
            f"Abstract: {escape(record['abstract'])}</description>"
            f'<guid isPermaLink="false">oai:arXiv.org:{record["id"]}v{version}</guid>'
            + "".join(f"<category>{c}</category>" for c in record["categories"])
            + f"<pubDate>{stamp}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>"
            "<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
            f"<dc:creator>{escape(', '.join(record['authors']))}</dc:creator>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def atom_feed(records: list[tuple[dict[str, Any], int]]) -> bytes:
    """An arXiv API answer for `records` (each with its version)."""
    entries = []
    for record, version in records:
        comment = record.get("comment")
        entries.append(
            "<entry>"
            f"<id>http://arxiv.org/abs/{record['id']}v{version}</id>"
            "<updated>2025-06-03T17:59:59Z</updated><published>2025-06-02T17:59:59Z</published>"
            f"<title>{escape(record['title'])}</title><summary>{escape(record['abstract'])}</summary>"
            + "".join(f"<author><name>{escape(a)}</name></author>" for a in record["authors"])
            + (f"<arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else "")
            + f'<link href="https://arxiv.org/abs/{record["id"]}v{version}" rel="alternate"/>'
            f'<arxiv:primary_category term="{record["primary_category"]}"/>'
            + "".join(
                f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in record["categories"]
            )
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<title>arXiv Query</title><id>http://arxiv.org/api/fake</id><updated>2025-06-03T00:00:00Z</updated>"
        f"<opensearch:totalResults>{len(records)}</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{len(records)}</opensearch:itemsPerPage>" + "".join(entries) + "</feed>"
    ).encode()


class FakeArxiv(LoopbackServer):
    def __init__(self) -> None:
        self.rss: list[Scripted] = []  # consumed in order; the last one repeats
        self.api: list[Scripted] = []  # scripted API answers before the built ones
        self.papers: dict[str, tuple[dict[str, Any], int]] = {}  # what the API knows
        self.recorded: dict[frozenset[str], bytes] = {}  # id set → recorded real body
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request, for pace checks
        self._serve()

    @property
    def base(self) -> str:
        return self.address

    def _answer(self, path: str, query: dict[str, list[str]]) -> Scripted:
        self.requests.append((path, query))
        self.arrivals.append(time.monotonic())
        if path.startswith("/rss/"):
            if not self.rss:
                return Scripted(404, b"no feed scripted")
            return self.rss.pop(0) if len(self.rss) > 1 else self.rss[0]
        if path == "/api/query":
            if self.api:
                return self.api.pop(0)
            if any(query.get("search_query", [])) and not any(query.get("id_list", [])):
                return Scripted(200, atom_feed(self._search(query)))
            ids = [i for i in ",".join(query.get("id_list", [""])).split(",") if i]
            if frozenset(ids) in self.recorded:
                return Scripted(200, self.recorded[frozenset(ids)])
            return Scripted(200, atom_feed([self.papers[i] for i in ids if i in self.papers]))
        return Scripted(404, b"not found")

    def _search(self, query: dict[str, list[str]]) -> list[tuple[dict[str, Any], int]]:
        """`ti:"phrase" OR ti:"phrase"`, as arXiv reads it: titles containing a phrase's words
        in order, ignoring case and punctuation."""
        phrases = [_words(p) for p in re.findall(r'ti:"([^"]*)"', query["search_query"][0])]
        found = [
            (record, version)
            for record, version in self.papers.values()
            if any(f" {p} " in f" {_words(record['title'])} " for p in phrases if p)
        ]
        return found[: int(query.get("max_results", ["10"])[0])]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                answer = fake._answer(url.path, parse_qs(url.query))
                if answer.delay:
                    time.sleep(answer.delay)
                self.reply(answer.status, answer.body, content_type="application/xml", headers=answer.headers)

        return Handler


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())
