"""The live paper source: the RSS feed names the day's papers, the arXiv API fills in metadata.

RSS is the only reliable "what was announced today"; the API adds what RSS lacks (comments,
primary category, the full author list). If enrichment fails, the RSS metadata is kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import arxiv

from core.errors import SourceError
from core.ingest import arxiv_api
from core.ingest.polite import (
    RetryPolicy,
    Throttle,
    get_bytes,
    session_with_timeout,
)
from core.ingest.rss import FeedDay, parse_feed
from core.models import Listed, Paper

log = logging.getLogger(__name__)


class ArxivSource:
    """Fetches one announcement day for a set of categories (one RSS request for all)."""

    def __init__(
        self,
        *,
        rss_url: str,
        api_url: str,
        delay_seconds: float = 3.0,
        timeout_seconds: float = 30.0,
        retry: RetryPolicy | None = None,
        batch_size: int = 200,
        sleep: Callable[[float], None] = time.sleep,
        throttle: Throttle | None = None,
    ) -> None:
        self.rss_url = rss_url if rss_url.endswith("/") else rss_url + "/"
        self.api_url = api_url
        self.batch_size = batch_size
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._throttle = throttle or Throttle(delay_seconds, sleep=sleep)
        self._session = session_with_timeout(timeout_seconds)
        self._timeout = timeout_seconds

    def fetch_day(self, categories: Sequence[str]) -> FeedDay:
        """The latest announcement of `categories`, enriched; quiet days have no entries."""
        url = self.rss_url + "+".join(categories)
        body = self.retry.run("arXiv RSS", lambda: self._get(url), sleep=self._sleep)
        feed = parse_feed(body)
        if feed.entries:
            feed.entries = self.enrich(feed.entries)
        return feed

    def enrich(self, entries: list[Listed]) -> list[Listed]:
        """Replace RSS metadata with the API's where the API knows the paper."""
        fetched: dict[str, Paper] = {}
        ids = sorted({e.paper.id for e in entries})
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            try:
                fetched.update(self.lookup(batch))
            except SourceError as exc:
                log.warning("arXiv API enrichment failed for %d ids, keeping RSS data: %s", len(batch), exc)
        return [_merge(e, fetched.get(e.paper.id)) for e in entries]

    def lookup(self, ids: Sequence[str]) -> dict[str, Paper]:
        """Metadata for up to `batch_size` ids through the arxiv package, politely."""
        made = arxiv_api.client(self.api_url, page_size=len(ids), timeout=self._timeout)
        search = arxiv.Search(id_list=list(ids), max_results=len(ids))

        def attempt() -> list[arxiv.Result]:
            return arxiv_api.results(made, search, self._throttle)

        results = self.retry.run("arXiv API", attempt, sleep=self._sleep)
        return {paper.id: paper for paper in map(arxiv_api.paper_from_result, results) if paper is not None}

    def _get(self, url: str) -> bytes:
        self._throttle.wait()
        return get_bytes(self._session, url)


def _merge(entry: Listed, api: Paper | None) -> Listed:
    if api is None:
        return entry
    # the announcement's own version wins: the API may already know a newer one
    return replace(entry, paper=replace(api, version=max(entry.paper.version, 1)))
