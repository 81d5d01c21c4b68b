"""Is the configured model still served, and until when?

`GET /v1/models/{model}` carries an optional `shutdown_date`; a 404 `model_not_found` means
the model is gone. Endpoints without `/v1/models` (some gateways, local servers) are simply
"unknown", never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.scoring.llm.families import known_shutdown

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)
WARN_DAYS = 60


@dataclass(frozen=True, slots=True)
class ModelState:
    model: str
    status: str  # served | gone | unknown
    shutdown: dt.date | None = None


def is_model_gone(exc: BaseException) -> bool:
    """A 404 that names the model as not found (not a path the endpoint lacks)."""
    import openai  # loaded only where a key is configured

    if not isinstance(exc, openai.NotFoundError):
        return False
    return _error_code(exc.body) == "model_not_found" or getattr(exc, "code", None) == "model_not_found"


def _error_code(body: Any) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error", body)
        code = inner.get("code") if isinstance(inner, dict) else None
        if isinstance(code, str):
            return code
    return None


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw < 1e11:
        return dt.datetime.fromtimestamp(raw, dt.UTC).date()
    return None


def model_state(client: openai.OpenAI, model: str) -> ModelState:
    """Ask the endpoint about `model`; any failure other than model_not_found is "unknown"."""
    import openai

    try:
        info = client.with_options(max_retries=0, timeout=5).models.retrieve(model)
    except openai.OpenAIError as exc:
        if is_model_gone(exc):
            return ModelState(model, "gone", known_shutdown(model))
        log.info("the endpoint does not describe model %s (%s)", model, type(exc).__name__)
        return ModelState(model, "unknown", known_shutdown(model))
    except Exception as exc:
        log.info("unreadable answer about model %s (%s)", model, type(exc).__name__)
        return ModelState(model, "unknown", known_shutdown(model))
    return ModelState(model, "served", _date(getattr(info, "shutdown_date", None)))


def gone_note(model: str, shutdown: dt.date | None) -> str:
    """What a digest says when its model no longer answers."""
    if shutdown is not None:
        return f"model {model} was shut down on {shutdown.isoformat()}: set OPENAI_MODEL"
    return f"model {model} was shut down (the endpoint no longer knows it): set OPENAI_MODEL"


def warning(state: ModelState, today: dt.date | None = None) -> str | None:
    """One line when the model is gone or shuts down within WARN_DAYS, else None."""
    today = today or dt.datetime.now(dt.UTC).date()
    if state.status == "gone":
        return gone_note(state.model, state.shutdown)
    if state.status != "served" or state.shutdown is None:
        return None
    left = (state.shutdown - today).days
    if left < 0:
        return f"model {state.model} was shut down on {state.shutdown.isoformat()}: set OPENAI_MODEL"
    if left <= WARN_DAYS:
        return (
            f"model {state.model} shuts down on {state.shutdown.isoformat()} (in {left} days): "
            "set OPENAI_MODEL, e.g. gpt-6-luna"
        )
    return None


def lifecycle_lines(scorer: object, today: dt.date | None = None) -> list[str]:
    """For start-up and `paperbot status`: the warning about the scoring model, if any."""
    client, model = getattr(scorer, "client", None), getattr(scorer, "model", None)
    if client is None or not hasattr(client, "models") or not isinstance(model, str):
        return []
    line = warning(model_state(client, model), today)
    return [line] if line else []


def warn_about_model(scorer: object) -> list[str]:
    """Start-up: log the lifecycle warning (one line) and return it."""
    lines = lifecycle_lines(scorer)
    for line in lines:
        log.warning("%s", line)
    return lines
