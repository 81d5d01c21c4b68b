"""Build the LLM scorer from settings, refusing a configuration that would bill nothing."""

from __future__ import annotations

import openai

from core.scoring.llm.prefilter import Prefilter
from core.scoring.llm.pricing import require_price
from core.scoring.llm.scorer import LlmScorer
from core.settings import Settings


def budgeted(settings: Settings) -> bool:
    return settings.llm_daily_budget_usd is not None or settings.llm_user_daily_budget_usd is not None


def llm_scorer(settings: Settings, client: openai.OpenAI) -> LlmScorer:
    """The configured scorer; an unpriced model with a budget set fails here, at start-up."""
    require_price(settings.llm_prices, settings.openai_model, budgeted=budgeted(settings))
    return LlmScorer(
        client=client,
        model=settings.openai_model,
        prices=settings.llm_prices,
        batch_size=settings.llm_batch_size,
        concurrency=settings.llm_concurrency,
        reasks=settings.llm_reasks,
        prefilter=Prefilter(
            share=settings.llm_prefilter_share,
            floor=settings.llm_prefilter_floor,
            small_day=settings.llm_small_day,
            tokens_per_paper=settings.llm_prompt_tokens_per_paper,
        ),
        reasoning_effort=settings.llm_reasoning_effort or None,
    )
