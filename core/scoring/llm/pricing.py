"""Turn the usage an API reports into dollars, from the price table in settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.models import Usage

Prices = dict[str, tuple[float, float, float]]


def cost_usd(prices: Prices, model: str, *, prompt: int, cached: int, completion: int) -> float:
    """Unknown models cost nothing here (and are logged by the caller); prefixes match
    dated snapshots such as gpt-4o-mini-2024-07-18."""
    rate = prices.get(model) or next(
        (p for name, p in sorted(prices.items(), key=lambda kv: -len(kv[0])) if model.startswith(name)),
        None,
    )
    if rate is None:
        return 0.0
    per_input, per_cached, per_output = rate
    fresh = max(0, prompt - cached)
    return (fresh * per_input + cached * per_cached + completion * per_output) / 1_000_000


def usage_of(prices: Prices, model: str, raw: object) -> Usage:
    """A `Usage` from the client's `completion.usage` object (None counts as zero)."""
    details = getattr(raw, "prompt_tokens_details", None)
    return _usage(
        prices,
        model,
        prompt=getattr(raw, "prompt_tokens", 0),
        cached=getattr(details, "cached_tokens", 0),
        completion=getattr(raw, "completion_tokens", 0),
    )


def usage_from_dict(prices: Prices, model: str, raw: Mapping[str, Any]) -> Usage:
    """The same from a usage object as JSON (as Batch API results carry it)."""
    details = raw.get("prompt_tokens_details") or {}
    return _usage(
        prices,
        model,
        prompt=raw.get("prompt_tokens"),
        cached=details.get("cached_tokens"),
        completion=raw.get("completion_tokens"),
    )


def _usage(prices: Prices, model: str, *, prompt: Any, cached: Any, completion: Any) -> Usage:
    prompt, cached, completion = int(prompt or 0), int(cached or 0), int(completion or 0)
    return Usage(
        model=model,
        prompt_tokens=prompt,
        cached_tokens=cached,
        completion_tokens=completion,
        cost_usd=cost_usd(prices, model, prompt=prompt, cached=cached, completion=completion),
    )
