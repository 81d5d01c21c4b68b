"""Hostile chat input: one clear line, nothing stored, and the session goes on."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.compose import App
from bot.console import chat
from bot.settings import Settings
from core.models import Identity
from storage import profiles
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def say(app: App):  # type: ignore[no-untyped-def]
    def send(*lines: str) -> str:
        out = io.StringIO()
        chat(app.commands, "alice", ["/start", *lines], out)
        return out.getvalue().split("\n", 1)[1] if "\n" in out.getvalue() else ""

    return send


def _profile(app: App):  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        found = profiles.find(session, Identity(platform="console", platform_id="alice"))
        assert found is not None
        return found


def test_zone_directories_are_unknown_time_zones(say, app: App) -> None:  # type: ignore[no-untyped-def]
    for zone in ("Europe", "America", "Europe/"):
        assert "Unknown time zone" in say(f"/tz {zone}")
    assert _profile(app).timezone == "UTC"


def test_only_ascii_digits_are_numbers(say, app: App) -> None:  # type: ignore[no-untyped-def]
    say("/help")
    before = _profile(app)
    assert "Give the time as HH:MM" in say("/time 08:3٠")
    assert "whole number" in say("/top ٥")
    assert "whole number" in say("/top 1_0")
    assert "whole number" in say("/threshold ٣ 4")
    after = _profile(app)
    assert (after.delivery_time, after.top_n, after.min_relevance) == (
        before.delivery_time,
        before.top_n,
        before.min_relevance,
    )


def test_categories_must_be_real_arxiv_categories(say, app: App) -> None:  # type: ignore[no-untyped-def]
    assert "is not an arXiv category" in say("/categories cs.LG banana")
    assert "is not an arXiv category" in say("/categories cs.XX")
    assert "Categories set to cs.LG math.OC" in say("/categories cs.lg MATH.oc")
    assert _profile(app).categories == ["cs.LG", "math.OC"]


def test_lone_surrogates_are_refused_everywhere(say, app: App) -> None:  # type: ignore[no-untyped-def]
    assert "not valid text" in say("/authors add Ann \ud800 Lee")
    assert "not valid text" in say("/topics set sparse \udc80 models")
    profile = _profile(app)
    assert profile.authors == [] and "\udc80" not in profile.criteria


def test_invisible_control_characters_are_dropped_not_stored(say, app: App) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot store NUL at all: a pasted \\x00 once made /topics an internal error."""
    assert "sparse autoencoders" in say("/topics set sparse\x00 auto\x07encoders\x7f\nscaling laws")
    assert "Ann Lee" in say("/authors add Ann\x00 Lee")
    profile = _profile(app)
    assert profile.criteria == "sparse autoencoders\nscaling laws" and profile.authors == ["Ann Lee"]
    assert Identity("telegram", "7", display_name="Ann\x00 Lee\x1b").display_name == "Ann Lee"


def test_invalid_utf8_on_stdin_does_not_end_the_session(
    env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md")]) == 0
    capsys.readouterr()
    environ = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    environ |= {"PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8", "PYTHONUTF8": "0"}
    environ.pop("PYTHONIOENCODING", None)
    code = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "chat", "--user", "alice"],
        input=b"/tz Europe/Berlin\n\xff\xfe\xc3 broken\n/time 09:15\n",
        env=environ,
        capture_output=True,
        timeout=120,
    )
    out = done.stdout.decode("utf-8")
    assert "not valid UTF-8" in out, done.stderr.decode()[-500:]
    assert "09:15" in out  # the line after the broken one was answered
