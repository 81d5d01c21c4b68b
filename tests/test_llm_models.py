"""The LLM path against a fake that behaves like OpenAI's model families: request shapes per
family, reasoning and cached tokens billed as reported, prices, and model lifecycle."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from sqlmodel import select

from bot.settings import Settings
from core.digest.render_markdown import render_markdown
from core.errors import InputError
from core.scoring.llm.lifecycle import model_state
from storage.tables import LlmUsage, Score
from tests.conftest import FIXTURES
from tests.fakes.openai_server import REASONING_PER_PAPER, FakeOpenAI
from tests.test_llm_scoring import by_id, count, digest_for, llm_app


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _rejections(fake: FakeOpenAI) -> list[dict]:
    return [r for r in fake.requests if "usage" not in r]


def test_default_model_request_shape(settings: Settings, listing_path: Path, fake_openai: FakeOpenAI) -> None:
    app = llm_app(settings, listing_path, fake_openai.base_url)
    digest = digest_for(app)
    assert {s[2] for s in by_id(digest).values()} == {"llm:gpt-6-luna"}
    assert _rejections(fake_openai) == []  # nothing the model family refuses was sent
    body = fake_openai.requests[0]["body"]
    assert body["model"] == "gpt-6-luna" and body["reasoning_effort"] == "none"
    assert body["temperature"] == 0  # accepted at effort none only
    assert "max_tokens" not in body and body["max_completion_tokens"] >= 150 * 10
    assert body["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize(
    ("model", "effort", "sent_effort"),
    [("gpt-6-luna", "low", "low"), ("gpt-5-mini", "", "minimal"), ("gpt-6-luna", "max", "max")],
)
def test_efforts_above_none_send_no_sampling_parameters(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI, model: str, effort: str, sent_effort: str
) -> None:
    app = llm_app(
        settings, listing_path, fake_openai.base_url, openai_model=model, llm_reasoning_effort=effort
    )
    digest = digest_for(app)
    assert _rejections(fake_openai) == []
    assert {s[2] for s in by_id(digest).values()} == {f"llm:{model}"}
    for request in fake_openai.requests:
        assert request["body"]["reasoning_effort"] == sent_effort
        assert not {"temperature", "top_p", "max_tokens"} & set(request["body"])


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_effort_the_model_lacks_becomes_the_family_default(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI, concurrency: int
) -> None:
    """gpt-6-luna has no `minimal`: the 400 names reasoning_effort; the scorer asks at `none`
    (not without an effort, which would be the model's costlier default, medium), also when
    four batches hit the 400 at once."""
    app = llm_app(
        settings,
        listing_path,
        fake_openai.base_url,
        llm_reasoning_effort="minimal",
        llm_concurrency=concurrency,
    )
    digest = digest_for(app)
    assert {s[2] for s in by_id(digest).values()} == {"llm:gpt-6-luna"}
    assert 1 <= len(_rejections(fake_openai)) <= concurrency
    answered = [r for r in fake_openai.requests if "usage" in r]
    assert len(answered) == 4 and all(r["body"]["reasoning_effort"] == "none" for r in answered)
    assert digest.usage.reasoning_tokens == 0


def test_an_endpoint_that_does_not_know_reasoning_effort(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI
) -> None:
    """An explicit effort sent to a model without one (a gateway's llama) is dropped once."""
    app = llm_app(
        settings,
        listing_path,
        fake_openai.base_url,
        openai_model="llama3.1:8b",
        llm_prices={"llama3.1:8b": (0.0, 0.0, 0.0)},
        llm_reasoning_effort="low",
        llm_concurrency=1,
    )
    digest = digest_for(app)
    assert {s[2] for s in by_id(digest).values()} == {"llm:llama3.1:8b"}
    assert len(_rejections(fake_openai)) == 1
    assert all("reasoning_effort" not in r["body"] for r in fake_openai.requests[1:])


def test_local_endpoint_without_structured_outputs_or_effort(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI
) -> None:
    """An Ollama/vLLM model: no effort, no sampling or token parameters, JSON lines."""
    fake_openai.reject_structured, fake_openai.mode = True, "jsonl"
    app = llm_app(
        settings,
        listing_path,
        fake_openai.base_url,
        openai_model="llama3.1:8b",
        llm_prices={"llama3.1:8b": (0.0, 0.0, 0.0)},
        llm_concurrency=1,
    )
    digest = digest_for(app)
    assert {s[2] for s in by_id(digest).values()} == {"llm:llama3.1:8b"}
    last = fake_openai.requests[-1]["body"]
    assert set(last) == {"model", "messages"}
    assert digest.usage.cost_usd == 0


def test_reasoning_and_cached_tokens_billed_to_the_cent(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI
) -> None:
    app = llm_app(settings, listing_path, fake_openai.base_url, llm_reasoning_effort="medium")
    digest = digest_for(app)
    usages = [r["usage"] for r in fake_openai.requests]
    prompt = sum(u["prompt_tokens"] for u in usages)
    cached = sum(u["prompt_tokens_details"]["cached_tokens"] for u in usages)
    completion = sum(u["completion_tokens"] for u in usages)
    reasoning = sum(u["completion_tokens_details"]["reasoning_tokens"] for u in usages)
    assert reasoning == REASONING_PER_PAPER["medium"] * 40 and cached > 0
    u = digest.usage
    assert (u.prompt_tokens, u.cached_tokens, u.completion_tokens, u.reasoning_tokens) == (
        prompt,
        cached,
        completion,
        reasoning,
    )
    # gpt-6-luna: $0.10 input, $0.01 cached input, $0.50 output (reasoning inside completion)
    expected = ((prompt - cached) * 0.10 + cached * 0.01 + completion * 0.50) / 1e6
    assert u.cost_usd == pytest.approx(expected, abs=1e-12)
    with app.sessions() as session:
        rows = session.exec(select(LlmUsage)).all()
    assert sum(r.reasoning_tokens for r in rows) == reasoning
    assert sum(r.cost_usd for r in rows) == pytest.approx(expected, abs=1e-12)
    table = render_markdown(digest)
    assert "| *[gpt-6-luna]* | Prompt | Completion | Reasoning | Total |" in table
    assert f"| **Token** | {prompt} | {completion} | {reasoning} | {prompt + completion} |" in table
    assert f"| ${expected:.4f} |" in table


def test_usage_command_shows_reasoning(
    env: Settings,
    fake_openai: FakeOpenAI,
    listing_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.cli import main

    for key, value in {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "LLM_REASONING_EFFORT": "low",
        "EMBEDDINGS": "off",
    }.items():
        monkeypatch.setenv(key, value)
    assert main(["ingest", "--file", str(listing_path), "--date", "2025-06-03"]) == 0
    assert main(["user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md")]) == 0
    assert main(["score", "--date", "2025-06-03"]) == 0
    capsys.readouterr()
    assert main(["usage", "--date", "2025-06-03"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    reasoning = sum(r["usage"]["completion_tokens_details"]["reasoning_tokens"] for r in fake_openai.requests)
    assert reasoning == REASONING_PER_PAPER["low"] * 40
    assert f"completion tokens ({reasoning} reasoning), $" in first


def test_unknown_priced_model_with_a_budget_is_refused_at_start_up(
    env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    from bot.cli import main

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_MODEL", "gpt-7-nova")
    assert main(["status"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "LLM_PRICES" in err and "gpt-7-nova" in err
    with pytest.raises(InputError, match="LLM_PRICES"):
        llm_app(
            settings, FIXTURES / "day-2025-06-03.jsonl", "http://127.0.0.1:9/v1", openai_model="gpt-7-nova"
        )
    monkeypatch.setenv("LLM_PRICES", json.dumps({"gpt-7-nova": [1, 0.1, 4]}))
    monkeypatch.setenv("OPENAI_MODEL", "gpt-7-nova-2027-03-01")  # a dated snapshot takes the base price
    assert main(["status"]) == 0


def _status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake: FakeOpenAI, model: str
) -> str:
    from bot.cli import main

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_MODEL", model)
    monkeypatch.setenv("EMBEDDINGS", "off")
    assert main(["ingest", "--file", str(FIXTURES / "day-2025-06-03.jsonl"), "--date", "2025-06-03"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    return capsys.readouterr().out


def test_status_warns_of_a_near_shutdown_date(
    env: Settings,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    soon = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    fake_openai.catalogue["gpt-4o-mini"] = {"shutdown_date": soon.isoformat()}
    out = _status(monkeypatch, capsys, fake_openai, "gpt-4o-mini")
    warning = f"model gpt-4o-mini shuts down on {soon.isoformat()} (in 30 days): set OPENAI_MODEL"
    assert sum(warning in line for line in out.splitlines()) == 1
    assert fake_openai.model_lookups == ["gpt-4o-mini"]


def test_status_is_quiet_about_a_distant_shutdown_and_a_current_model(
    env: Settings,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=61)
    fake_openai.catalogue["gpt-6-luna"] = {"shutdown_date": later.isoformat()}
    out = _status(monkeypatch, capsys, fake_openai, "gpt-6-luna")
    assert "shut" not in out and fake_openai.model_lookups == ["gpt-6-luna"]


def test_endpoint_without_models_route_is_not_an_error(
    env: Settings,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_openai.models_endpoint = False
    out = _status(monkeypatch, capsys, fake_openai, "gpt-6-luna")
    assert "scoring (llm:gpt-6-luna)" in out and "model" not in out.split("scoring (llm:gpt-6-luna)")[1]
    client = openai.OpenAI(api_key="sk-test", base_url=fake_openai.base_url, max_retries=0)
    assert model_state(client, "gpt-6-luna").status == "unknown"


@pytest.mark.parametrize(
    ("model", "note"),
    [
        ("gpt-4.1-nano", "model gpt-4.1-nano was shut down on 2026-10-23: set OPENAI_MODEL"),
        (
            "gpt-4.2-ultra",
            "model gpt-4.2-ultra was shut down (the endpoint no longer knows it): set OPENAI_MODEL",
        ),
    ],
)
def test_shut_down_model_is_named_in_the_digest_note(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI, model: str, note: str
) -> None:
    fake_openai.gone.add(model)
    app = llm_app(
        settings,
        listing_path,
        fake_openai.base_url,
        openai_model=model,
        llm_prices={model: (0.1, 0.025, 0.4)},
        llm_concurrency=1,
    )
    digest = digest_for(app)
    assert digest.notes == [f"{note}; 40 papers were scored offline."]
    assert {s[2] for s in by_id(digest).values()} == {"offline-fallback"}
    assert len(fake_openai.requests) == 1  # the other batches do not knock again
    assert count(app, Score) == 0


@pytest.mark.sqlite_only  # the second app needs a second, empty database
def test_small_days_go_whole_and_the_prompt_budget_buys_detail_for_the_best(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI
) -> None:
    app = llm_app(settings, listing_path, fake_openai.base_url, llm_prefilter_share=0.25)
    assert len({s[2] for s in by_id(digest_for(app)).values()} - {"llm:gpt-6-luna"}) == 0  # 40 ≤ 100
    fake_openai.requests.clear()
    tight = llm_app(
        settings,
        listing_path,
        fake_openai.base_url,
        llm_prompt_tokens_per_paper=85,  # the system message alone is 23 a paper here
        llm_batch_size=40,
        database_url=settings.database_url.replace(".db", "-2.db"),
    )
    digest_for(tight)
    (request,) = fake_openai.requests
    assert request["usage"]["prompt_tokens"] <= 85 * 40
    lines = request["body"]["messages"][1]["content"].splitlines()[1:-1]
    long = [line.endswith(" …") and len(line.split(" | ")[2].split()) > 12 for line in lines]
    assert long[0] and not long[-1] and 0 < sum(long) < 40  # the best-ranked come first


def test_start_up_warns_once_about_a_retiring_model(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    from core.scoring.llm.lifecycle import warn_about_model

    soon = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=59)
    fake_openai.catalogue["gpt-4o-mini"] = {"shutdown_date": soon.isoformat()}
    app = llm_app(settings, listing_path, fake_openai.base_url, openai_model="gpt-4o-mini")
    with caplog.at_level("WARNING"):
        lines = warn_about_model(app.scoring.scorer)
    assert lines == [
        f"model gpt-4o-mini shuts down on {soon.isoformat()} (in 59 days): set OPENAI_MODEL, e.g. gpt-6-luna"
    ]
    assert [r.getMessage() for r in caplog.records if "shuts down" in r.getMessage()] == lines
    assert warn_about_model(llm_app(settings, listing_path, fake_openai.base_url).scoring.scorer) == []
