"""Turn the usage an API reports into dollars, from built-in prices merged with `LLM_PRICES`.

Usage comes from a third party and is clamped to what is plausible before it is billed or
stored: never negative, never a string taken at its word, cached ≤ prompt, reasoning ≤
completion. Reasoning tokens are part of `completion_tokens` (as the API reports them) and
billed as output; cached prompt tokens are billed at the cached rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.errors import InputError
from core.models import Usage

Prices = dict[str, tuple[float, float, float]]

# USD per million tokens: input, cached input, output (standard tier, prompts under 272K).
# Sources: the providers' pricing pages as of November 2026 (see docs/platform-facts.md).
BUILTIN_PRICES: Prices = {
    "gpt-6-luna": (0.10, 0.01, 0.50),
    "gpt-6-sol": (2.00, 0.20, 10.00),
    "gpt-6.1-sol": (2.00, 0.10, 10.00),
    "gpt-5.6-luna": (0.20, 0.02, 1.20),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "text-embedding-3-small": (0.02, 0.02, 0.0),
    "text-embedding-3-large": (0.13, 0.13, 0.0),
}

MAX_TOKENS = 2_000_000  # more than any context window: a larger count is not a real report
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_of(prices: Prices, model: str) -> tuple[float, float, float] | None:
    """The model's rates, also for dated snapshots (gpt-4o-mini-2024-07-18) and gateway
    names (openai/gpt-6-luna); None for any other unknown name, never a guess."""
    for name in (model, model.rsplit("/", 1)[-1]):
        if name in prices:
            return prices[name]
        undated = _SNAPSHOT.sub("", name)
        if undated != name and undated in prices:
            return prices[undated]
    return None


def require_price(prices: Prices, model: str, *, budgeted: bool) -> None:
    """With a budget set, a model without a price would count zero and the budget protect nobody."""
    if budgeted and price_of(prices, model) is None:
        raise InputError(
            f"no price is known for model {model!r} and a daily LLM budget is set: add it to "
            f"LLM_PRICES (USD per 1M tokens: input, cached input, output), "
            f"e.g. LLM_PRICES='{{\"{model}\": [0.1, 0.01, 0.5]}}'"
        )


def cost_usd(
    prices: Prices, model: str, *, prompt: int, cached: int, completion: int, reasoning: int = 0
) -> float:
    """`reasoning` is included in `completion` (as the API reports it), so it is not added twice."""
    rate = price_of(prices, model)
    if rate is None:
        return 0.0
    per_input, per_cached, per_output = rate
    fresh = max(0, prompt - cached)
    return (fresh * per_input + cached * per_cached + completion * per_output) / 1_000_000


def plausible(value: Any) -> int:
    """A token count from an untrusted answer: an integer in [0, MAX_TOKENS], else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        return 0
    return min(max(value, 0), MAX_TOKENS)


def usage_of(prices: Prices, model: str, raw: object) -> Usage:
    """A `Usage` from a client object with usage attributes (None counts as zero)."""
    as_dict: dict[str, Any] = {}
    for key in ("prompt_tokens", "completion_tokens"):
        as_dict[key] = getattr(raw, key, 0)
    as_dict["prompt_tokens_details"] = {
        "cached_tokens": getattr(getattr(raw, "prompt_tokens_details", None), "cached_tokens", 0)
    }
    as_dict["completion_tokens_details"] = {
        "reasoning_tokens": getattr(getattr(raw, "completion_tokens_details", None), "reasoning_tokens", 0)
    }
    return usage_from_dict(prices, model, as_dict)


def usage_from_dict(prices: Prices, model: str, raw: Any) -> Usage:
    """The same from a usage object as JSON (a chat completion's or a Batch API result's)."""
    raw = raw if isinstance(raw, Mapping) else {}
    details = raw.get("prompt_tokens_details")
    output = raw.get("completion_tokens_details")
    prompt = plausible(raw.get("prompt_tokens"))
    completion = plausible(raw.get("completion_tokens"))
    cached = min(plausible(details.get("cached_tokens")) if isinstance(details, Mapping) else 0, prompt)
    reasoning = min(
        plausible(output.get("reasoning_tokens")) if isinstance(output, Mapping) else 0, completion
    )
    return Usage(
        model=model,
        prompt_tokens=prompt,
        cached_tokens=cached,
        completion_tokens=completion,
        reasoning_tokens=reasoning,
        cost_usd=cost_usd(
            prices, model, prompt=prompt, cached=cached, completion=completion, reasoning=reasoning
        ),
    )
