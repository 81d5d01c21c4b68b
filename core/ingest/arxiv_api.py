"""One request to the arXiv API through the arxiv package, shared by ingest (enriching a feed)
and library imports (fetching what a reader brought): the same politeness, timeout, error
classification and record checks for both."""

from __future__ import annotations

import logging

import arxiv
import requests

from core.errors import SourceError
from core.ingest.clean import make_paper
from core.ingest.polite import RETRY_STATUSES, RetryableError, Throttle, session_with_timeout
from core.models import Paper

log = logging.getLogger(__name__)


def client(api_url: str, *, page_size: int, timeout: float) -> arxiv.Client:
    """A client for one search; retries and spacing are ours (RetryPolicy, Throttle), not the library's."""
    made = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
    made.query_url_format = api_url + "?{}"
    made._session = session_with_timeout(timeout)  # the library sets no timeout
    return made


def results(made: arxiv.Client, search: arxiv.Search, throttle: Throttle) -> list[arxiv.Result]:
    """One attempt: transient failures raise RetryableError, the others SourceError."""
    throttle.wait()
    try:
        return list(made.results(search))
    except arxiv.HTTPError as exc:
        if exc.status in RETRY_STATUSES:
            raise RetryableError(f"HTTP {exc.status}") from exc
        raise SourceError(f"the arXiv API answered HTTP {exc.status}") from exc
    except (requests.Timeout, requests.ConnectionError, arxiv.UnexpectedEmptyPageError) as exc:
        raise RetryableError(type(exc).__name__) from exc


def paper_from_result(result: arxiv.Result) -> Paper | None:
    """The API's answer as a Paper, or None (logged) when it does not carry a usable record."""
    try:
        return make_paper(
            versioned_id=result.entry_id.rsplit("/abs/", 1)[-1],
            title=result.title,
            authors=[a.name for a in result.authors],
            abstract=result.summary,
            categories=result.categories,
            primary_category=result.primary_category,
            comment=result.comment or None,
        )
    except ValueError as exc:
        log.warning("skipped arXiv API record %.60r: %s", result.entry_id, exc)
        return None
