"""`paperbot chat` at a terminal: a greeting that says how to leave, a prompt, line editing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

PROMPT = "paperbot> "
LEAVE = {"/quit", "/exit", "quit", "exit"}


def greeting(name: str) -> str:
    return f"paperbot chat as {name}: type /help for the commands; /quit or Ctrl-D to leave."


def prompted_lines(
    name: str, read: Callable[[str], str] = input, out: Callable[[str], object] = print
) -> Iterator[str]:
    """Lines typed at the prompt until the person leaves (/quit, Ctrl-D or Ctrl-C)."""
    with contextlib.suppress(ImportError):  # Windows without pyreadline: plain input still works
        import readline  # noqa: F401  (importing it gives input() history and editing)
    out(greeting(name))
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            sys.stdout.write("\n")
            return
        if line.strip().lower() in LEAVE:
            return
        yield line + "\n"
