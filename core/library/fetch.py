"""Papers a library names but paperbot has not stored, from the arXiv API: by id in batches, and
by title for entries without an id.

Politely, as ingest does: one request at a time at least `delay_seconds` apart, retries with
backoff on 429/5xx, a timeout on every request. Titles are asked several to a request
(`ti:"…" OR ti:"…"`) and a result counts only when its title is the entry's, word for word.
Any failure raises SourceError, so the import that asked for them stores nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import arxiv

from core.errors import SourceError
from core.ingest import arxiv_api
from core.ingest.polite import RetryPolicy, Throttle
from core.library.ids import title_key
from core.models import Paper

log = logging.getLogger(__name__)

TITLES_PER_REQUEST = 10
RESULTS_PER_TITLE = 3


@dataclass(frozen=True)
class Fetched:
    paper: Paper
    published: dt.date  # the first version's date: stands in for the announcement day


class ArxivLookup:
    """The arXiv API as the import needs it; `api_url` is the `ARXIV_API_URL` setting."""

    def __init__(
        self,
        *,
        api_url: str,
        delay_seconds: float = 3.0,
        timeout_seconds: float = 30.0,
        retry: RetryPolicy | None = None,
        batch_size: int = 100,
        sleep: Callable[[float], None] = time.sleep,
        throttle: Throttle | None = None,
    ) -> None:
        self.api_url = api_url
        self.batch_size = batch_size
        self.requests = 0  # API requests made, for reports and tests
        self._timeout = timeout_seconds
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._throttle = throttle or Throttle(delay_seconds, sleep=sleep)

    def by_ids(self, ids: Sequence[str]) -> dict[str, Fetched]:
        """What the API knows of `ids`, in batches of `batch_size`; unknown ids are left out."""
        found: dict[str, Fetched] = {}
        for start in range(0, len(ids), self.batch_size):
            batch = list(ids[start : start + self.batch_size])
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            for item in self._run(search, len(batch)):
                found[item.paper.id] = item
        return found

    def by_titles(self, titles: Sequence[str]) -> dict[str, Fetched]:
        """Papers whose title is one of `titles`, keyed by `title_key` of the title."""
        wanted = {title_key(t): t for t in titles if title_key(t)}
        keys = list(wanted)
        found: dict[str, Fetched] = {}
        for start in range(0, len(keys), TITLES_PER_REQUEST):
            batch = keys[start : start + TITLES_PER_REQUEST]
            query = " OR ".join(f'ti:"{key}"' for key in batch)
            search = arxiv.Search(query=query, max_results=len(batch) * RESULTS_PER_TITLE)
            for item in self._run(search, len(batch) * RESULTS_PER_TITLE):
                key = title_key(item.paper.title)
                if key in wanted and key not in found:
                    found[key] = item
        return found

    def _run(self, search: arxiv.Search, page: int) -> list[Fetched]:
        made = arxiv_api.client(self.api_url, page_size=page, timeout=self._timeout)

        def attempt() -> list[arxiv.Result]:
            self.requests += 1
            return arxiv_api.results(made, search, self._throttle)

        try:
            results = self._retry.run("arXiv API", attempt, sleep=self._sleep)
        except SourceError as exc:
            raise SourceError(
                f"The arXiv API is not answering ({exc}); nothing was imported, try again later."
            ) from exc
        return [item for item in map(_fetched, results) if item is not None]


def _fetched(result: arxiv.Result) -> Fetched | None:
    paper = arxiv_api.paper_from_result(result)
    return None if paper is None else Fetched(paper, result.published.date())
