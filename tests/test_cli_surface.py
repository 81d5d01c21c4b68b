"""What a person meets at the command line: start-up that loads only what a command needs,
help on every option, --version, -v details, sensible messages, wrapping, the interactive chat."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.cli.setup import check_file_day
from bot.settings import Settings
from core.errors import InputError
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "matplotlib", "openai", "scipy", "alembic")  # alembic: the schema is current
RUN_MAIN = "import sys; from bot.cli import main; code = main(sys.argv[1:]); "


def _python(code: str, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    environ = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", code, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


@pytest.fixture
def alice(env: Settings, capsys: pytest.CaptureFixture[str], listing_path: Path) -> None:
    assert main(["ingest", "--file", str(listing_path), "--date", "2025-06-03"]) == 0
    assert main(["user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["status"],
        ["user", "add", "bob", "--topics-file", str(FIXTURES / "criteria.md")],
        ["rate", "--user", "alice", "--up", "2506.00030"],
    ],
    ids=["help", "status", "user-add", "rate"],
)
def test_light_commands_do_not_load_heavy_libraries(alice: None, argv: list[str]) -> None:
    """Start-up under a second needs scikit-learn, scipy, matplotlib, openai and (with the schema
    up to date) Alembic and its scripts left unloaded."""
    code = RUN_MAIN + f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)"
    done = _python(code, *argv)
    assert done.returncode == 0, done.stderr[-500:]
    assert "LOADED []" in done.stdout, done.stdout[-300:]


def test_a_digest_does_load_the_scorer(alice: None) -> None:
    """The check above can fail: a command that scores does load scikit-learn."""
    code = RUN_MAIN + "print('LOADED', 'sklearn' in sys.modules); sys.exit(code)"
    done = _python(code, "digest", "--user", "alice", "--date", "2025-06-03")
    assert done.returncode == 0, done.stderr[-500:]
    assert "LOADED True" in done.stdout


def _actions(parser: argparse.ArgumentParser, path: str = "paperbot") -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _actions(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_and_argument_has_help() -> None:
    missing = [f"{path} {a.dest}" for path, a in _actions(build_parser()) if not a.help]
    assert missing == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("paperbot ") and out.strip() != "paperbot"


def test_verbose_shows_the_traceback_of_an_internal_error(env: Settings) -> None:
    crash = "import bot.cli.operate as o; o.cmd_status = lambda a: 1 / 0; " + RUN_MAIN + "sys.exit(code)"
    quiet = _python(crash, "status")
    assert quiet.returncode == 1
    assert "internal error: ZeroDivisionError" in quiet.stderr and "Traceback" not in quiet.stderr
    loud = _python(crash, "-v", "status")
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr and "in <lambda>" in loud.stderr


def test_ingest_file_refuses_future_days_and_warns_about_weekends(
    env: Settings, capsys: pytest.CaptureFixture[str], listing_path: Path
) -> None:
    assert main(["ingest", "--file", str(listing_path), "--date", "2030-01-01"]) == 2
    assert "2030-01-01 is in the future" in capsys.readouterr().err
    assert main(["status"]) == 0
    assert "2030" not in capsys.readouterr().out  # nothing was stored
    assert main(["ingest", "--file", str(listing_path), "--date", "2025-06-07"]) == 0
    out, err = capsys.readouterr()
    assert "2025-06-07 is a Saturday" in err and "40 papers listed" in out


def test_the_evening_announcement_dated_tomorrow_is_not_the_future() -> None:
    evening = dt.datetime(2025, 6, 3, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))  # Tue 20:30 ET
    check_file_day(dt.date(2025, 6, 4), now=evening)
    with pytest.raises(InputError):
        check_file_day(dt.date(2025, 6, 5), now=evening)


def test_the_text_digest_wraps_between_words(
    alice: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    assert main(["digest", "--user", "alice", "--date", "2025-06-03", "--all"]) == 0
    wide = capsys.readouterr().out
    assert max(len(line) for line in wide.splitlines()) > 100  # something needs wrapping
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["digest", "--user", "alice", "--date", "2025-06-03", "--all"]) == 0
    narrow = capsys.readouterr().out
    too_long = [line for line in narrow.splitlines() if len(line) > 60 and " " in line.strip()]
    assert too_long == []
    assert narrow.split() == wide.split()  # the same words, none cut in two


def _read_until(fd: int, wanted: bytes, seconds: float = 60) -> bytes:
    seen = b""
    end = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_chat_at_a_terminal_greets_prompts_and_leaves(alice: None) -> None:
    import pty

    main_fd, child_fd = pty.openpty()
    environ = os.environ | {"PYTHONPATH": str(ROOT), "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_MAIN + "sys.exit(code)", "chat", "--user", "alice"],
        stdin=child_fd, stdout=child_fd, stderr=child_fd, env=environ, close_fds=True,
    )  # fmt: skip
    os.close(child_fd)
    try:
        first = _read_until(main_fd, b"paperbot> ")
        assert b"/quit or Ctrl-D to leave" in first and b"paperbot> " in first, first
        os.write(main_fd, b"/top 3\n")
        answer = _read_until(main_fd, b"paperbot> ")
        assert b"at most 3 papers" in answer, answer
        os.write(main_fd, b"/quit\n")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main_fd)


def test_chat_from_a_pipe_stays_plain(alice: None) -> None:
    done = _python(RUN_MAIN + "sys.exit(code)", "chat", "--user", "alice", input="/top 3\n")
    assert done.returncode == 0
    assert done.stdout == "Your digest will show at most 3 papers.\n"
