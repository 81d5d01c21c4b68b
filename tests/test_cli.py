"""The `paperbot` command line as operators use it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def alice(env: Settings, capsys: pytest.CaptureFixture[str], listing_path: Path) -> None:
    assert run(capsys, "ingest", "--file", str(listing_path), "--date", "2025-06-03")[0] == 0
    assert run(capsys, "user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md"))[0] == 0


def test_demo_runs_offline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "paperbot digest for demo, 2025-06-18 (scorer: offline)" in out
    assert "272 arXiv entries · 272 scanned" in out
    assert "1. " in out and "https://arxiv.org/abs/" in out
    assert list(tmp_path.iterdir()) == []  # the demo leaves nothing behind


def test_ingest_file_then_again(
    env: Settings, capsys: pytest.CaptureFixture[str], listing_path: Path
) -> None:
    code, out, _ = run(capsys, "ingest", "--file", str(listing_path), "--date", "2025-06-03")
    assert (code, out) == (0, "2025-06-03: 40 papers listed (40 new to the database, 0 updated)\n")
    code, out, _ = run(capsys, "ingest", "--file", str(listing_path), "--date", "2025-06-03")
    assert (code, out) == (0, "2025-06-03: 40 papers listed (0 new to the database, 0 updated)\n")


def test_live_ingest(
    env: Settings, capsys: pytest.CaptureFixture[str], fake_arxiv: FakeArxiv, records: list[dict]
) -> None:
    import datetime as dt

    fake_arxiv.rss = [Scripted(200, rss_feed(dt.date(2025, 6, 4), [(r, "new", 1) for r in records[:5]]))]
    code, out, _ = run(capsys, "ingest", "--categories", "cs.LG,cs.AI")
    assert (code, out) == (0, "2025-06-04: 5 papers listed (5 new to the database, 0 updated)\n")
    assert fake_arxiv.requests[0][0] == "/rss/cs.LG+cs.AI"
    code, _, err = run(capsys, "ingest", "--date", "2025-06-02")
    assert code == 2 and "only the latest announcement (2025-06-04)" in err
    fake_arxiv.rss = [Scripted(200, rss_feed(dt.date(2025, 6, 7), []))]
    assert run(capsys, "ingest")[1] == "2025-06-07: no announcement (quiet day) recorded\n"


def test_user_digest_formats(alice: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "digest", "--user", "alice", "--date", "2025-06-03", "--format", "json", "--all"
    )
    data = json.loads(out)
    assert code == 0 and len(data["papers"]) == 40 and data["totals"]["scanned"] == 40
    code, out, _ = run(capsys, "digest", "--user", "alice", "--date", "2025-06-03", "--format", "markdown")
    assert code == 0 and out.startswith("# Personalized Daily ArXiv Papers 2025-06-03")
    code, out, _ = run(capsys, "digest", "--user", "alice", "--date", "2025-06-03")
    assert code == 0 and "paperbot digest for alice, 2025-06-03" in out
    code, out, _ = run(
        capsys, "user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md"), "--top", "2"
    )
    assert out == "user alice updated\n"
    _, out, _ = run(capsys, "digest", "--user", "alice", "--date", "2025-06-03", "--format", "json")
    assert len(json.loads(out)["papers"]) == 2


def test_rate_and_chat(
    alice: None,
    capsys: pytest.CaptureFixture[str],
    records: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = run(
        capsys, "rate", "--user", "alice", "--up", records[0]["id"], "--down", records[1]["id"]
    )
    assert code == 0 and out.splitlines()[0].startswith(f"👍 {records[0]['id']}")
    monkeypatch.setattr("sys.stdin", io.StringIO("/saved\n\n/top 3\n/top 99\n"))
    code, out, _ = run(capsys, "chat", "--user", "alice")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Your 👍 papers:" and records[0]["id"] in lines[1]
    assert lines[2:] == [
        "Your digest will show at most 3 papers.",
        "Your digest will show at most 99 papers.",  # a busy day has 90 worth reading
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ingest", "--file", "/nonexistent.jsonl", "--date", "2025-06-03"],
            "cannot read listing /nonexistent.jsonl",
        ),
        (["ingest", "--file", "x.jsonl"], "--file needs --date"),
        (["ingest", "--date", "2025-02-30"], "Give the date as YYYY-MM-DD"),
        (["ingest", "--categories", "cs.LG,bad_cat!"], "is not an arXiv category"),
        (["digest", "--user", "nobody", "--date", "2025-06-03"], "unknown user 'nobody'"),
        (["digest", "--user", "alice", "--date", "2025-06-09"], "no announcement of 2025-06-09"),
        (["digest", "--user", "alice", "--date", "yesterday"], "Give the date as YYYY-MM-DD"),
        (
            ["digest", "--user", "alice", "--date", "2025-06-03", "--format", "pdf"],
            "invalid choice: 'pdf'",
        ),
        (
            ["rate", "--user", "alice", "--up", "2506.99999"],
            "paper 2506.99999 is not in the database",
        ),
        (["rate", "--user", "alice"], "give at least one --up ID or --down ID"),
        (["user", "add", "bob", "--topics-file", "/nonexistent.md"], "cannot read topics file"),
        (
            ["user", "add", "bob", "--topics-file", str(FIXTURES / "criteria.md"), "--top", "0"],
            "--top must be a whole number from 1 to 10,000, or all",
        ),
        (
            [
                "user",
                "add",
                "bob",
                "--topics-file",
                str(FIXTURES / "criteria.md"),
                "--min-novelty",
                "11",
            ],
            "--min-novelty must be from 1 to 10",
        ),
        (["chat", "--user", "no body"], "user names are 1 to 64 characters without spaces"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(
    alice: None, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code != 0 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_huge_topics_file_is_refused_without_change(
    alice: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ranking = ["digest", "--user", "alice", "--date", "2025-06-03", "--format", "json", "--all"]
    before = run(capsys, *ranking)[1]
    big = tmp_path / "big.md"
    big.write_text("sparse " * 1_500_000)  # about 10 MB
    code, _, err = run(capsys, "user", "add", "alice", "--topics-file", str(big), "--top", "3")
    assert code == 2 and "topics are limited to 8,000 characters" in err
    assert run(capsys, *ranking)[1] == before  # same topics, same ranking
    digest = run(capsys, "digest", "--user", "alice", "--date", "2025-06-03", "--format", "json")[1]
    assert len(json.loads(digest)["papers"]) > 3  # --top 3 was not applied either


def test_bad_database_url_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x")
    code, _, err = run(capsys, "digest", "--user", "a", "--date", "2025-06-03")
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err


def test_status_shows_the_day_scoring_deliveries_and_errors(
    alice: None, env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import select

    from bot.compose import build_app
    from storage.tables import Delivery

    code, out, _ = run(capsys, "status")
    assert code == 0 and "latest announcement: 2025-06-03 (announced, 40 papers" in out
    assert "deliveries of 2025-06-03: 0 sent, 0 pending, 0 failed, 1 not due yet" in out
    assert run(capsys, "digest", "--user", "alice", "--date", "2025-06-03")[0] == 0
    app = build_app(env)
    with app.sessions() as session, session.begin():
        (row,) = session.exec(select(Delivery))
        row.error = "BadRequest: chat not found"
    app.engine.dispose()
    code, out, _ = run(capsys, "status")
    assert "1 sent, 0 pending, 0 failed, 0 not due yet" in out
    assert "console/alice 2025-06-03 attempt 1 (final): BadRequest: chat not found" in out


def test_run_roles_split_the_scheduler_from_the_web_endpoints(env: Settings) -> None:
    from pydantic import SecretStr

    from bot.compose import build_app, services

    app = build_app(env.model_copy(update={
        "slack_bot_token": SecretStr("xoxb-1"), "slack_signing_secret": SecretStr("s"),
        "telegram_bot_token": SecretStr("1:T"), "telegram_webhook_url": "https://bot.example/telegram",
    }))  # fmt: skip
    names = {role: [type(s).__name__ for s in services(app, role)] for role in ("all", "worker", "web")}
    assert names["worker"] == ["TelegramAdapter", "SlackAdapter", "Scheduler"]
    assert names["web"] == ["TelegramAdapter", "SlackAdapter", "WebServer"]
    assert names["all"] == ["TelegramAdapter", "SlackAdapter", "WebServer", "Scheduler"]
    app.engine.dispose()
    bare = build_app(env)
    with pytest.raises(Exception, match="no adapter is configured"):
        services(bare)
    bare.engine.dispose()


def test_batch_scoring_without_a_key_is_one_line(alice: None, capsys: pytest.CaptureFixture[str]) -> None:
    for mode in ("--batch", "--collect"):
        code, out, err = run(capsys, "score", "--date", "2025-06-03", mode)
        assert (code, out) == (2, "")
        assert err == "paperbot: error: the Batch API needs the LLM scorer: set OPENAI_API_KEY\n"


def test_the_scheduler_and_the_cli_share_one_batch_transport(env: Settings) -> None:
    """Built once from the settings, so the daily run and `paperbot score` cannot drift apart."""
    from pydantic import SecretStr

    from bot.compose import build_app

    app = build_app(env.model_copy(update={"openai_api_key": SecretStr("sk-x"), "llm_batch_poll_seconds": 7}))
    batches = app.daily.batches
    assert batches is not None and batches.scorer is app.scoring.scorer and batches._poll == 7
    app.engine.dispose()
    bare = build_app(env)
    assert bare.daily.batches is None
    bare.engine.dispose()


def test_chat_with_a_new_user_creates_them_on_their_first_command(
    alice: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/top 4\n"))
    code, out, _ = run(capsys, "chat", "--user", "newcomer")
    assert code == 0 and "Welcome to paperbot" in out and "4" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("/top\n"))
    assert "at most 4 papers" in run(capsys, "chat", "--user", "newcomer")[1]
