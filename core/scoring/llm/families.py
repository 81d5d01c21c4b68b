"""What a model family accepts, so requests carry only parameters the model takes.

Reasoning families take `reasoning_effort`; the GPT-5.x/6 ones take sampling parameters
(temperature) only at effort `none`, the o-series never. Models of no known family (Ollama,
vLLM, gateways) get neither unless `LLM_REASONING_EFFORT` is set explicitly.

gpt-6-luna's default effort is `none`, measured with `bench/llm_cost.py --efforts`: against the
fake every effort the model accepts answered every batch whole on the first ask (structured
outputs hold the shape; our `max_completion_tokens` leaves room to reason at each effort), so
the cheapest is the one to keep: $0.0040 a day against $0.0053 at `low` and $0.0084 at
`medium` (the model's own default when no effort is sent). It is also the only effort at
which temperature 0 is accepted. `minimal` does not exist for gpt-6: it is replaced by `none`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True, slots=True)
class Family:
    reasoning: bool
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None  # ours, measured with bench/llm_cost.py --efforts
    sampling_at_none: bool = False  # temperature accepted at effort none


GPT6 = Family(True, ("none", "low", "medium", "high", "xhigh", "max"), "none", True)
GPT51 = Family(True, ("none", "low", "medium", "high", "xhigh"), "none", True)
GPT5 = Family(True, ("minimal", "low", "medium", "high"), "minimal", False)
O_SERIES = Family(True, ("low", "medium", "high"), "low", False)
CLASSIC = Family(False)  # gpt-4o, gpt-4.1: sampling parameters, no effort

# Longest prefix wins; names are matched after any gateway prefix ("openai/").
_FAMILIES: tuple[tuple[str, Family], ...] = (
    ("gpt-6", GPT6),
    ("gpt-5.", GPT51),
    ("gpt-5", GPT5),
    ("o1", O_SERIES),
    ("o3", O_SERIES),
    ("o4", O_SERIES),
    ("gpt-4", CLASSIC),
)

# OpenAI's deprecations page (notice of 2026-10-14): when each model stops answering.
SHUTDOWNS: dict[str, dt.date] = {
    "gpt-4.1-nano": dt.date(2026, 10, 23),
    "gpt-5": dt.date(2026, 12, 11),
    "gpt-5-mini": dt.date(2026, 12, 11),
    "gpt-5-nano": dt.date(2026, 12, 11),
    "gpt-4o": dt.date(2027, 1, 14),
    "gpt-4o-mini": dt.date(2027, 1, 14),
    "gpt-4.1": dt.date(2027, 1, 14),
    "gpt-4.1-mini": dt.date(2027, 1, 14),
}


def _bare(model: str) -> str:
    return model.rsplit("/", 1)[-1].lower()


def family_of(model: str) -> Family | None:
    name = _bare(model)
    for prefix, family in sorted(_FAMILIES, key=lambda kv: -len(kv[0])):
        if name.startswith(prefix):
            return family
    return None


def known_shutdown(model: str) -> dt.date | None:
    return SHUTDOWNS.get(_bare(model))


def effort_for(model: str, configured: str | None) -> str | None:
    """The effort to send: the configured one, else the family's measured default."""
    if configured:
        return configured
    family = family_of(model)
    return family.default_effort if family is not None else None


def sampling_params(model: str, effort: str | None) -> dict[str, object]:
    """Deterministic sampling where the model takes it; nothing where it would be rejected."""
    family = family_of(model)
    if family is None:
        return {}
    if not family.reasoning or (family.sampling_at_none and effort == "none"):
        return {"temperature": 0}
    return {}
