"""The console adapter: chat commands from a text stream, answers to another, as a chat would."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from core.commands.core import Caller, CommandCore
from core.models import Identity


def console_caller(name: str) -> Caller:
    """The same identity `paperbot user add` gives a local user, so both name one profile."""
    return Caller(identity=Identity.console(name))


def chat(
    core: CommandCore, name: str, lines: Iterable[str], out: TextIO, *, files: Path | None = None
) -> int:
    """Answer every non-empty line (what a person types: the text door; a plain line right
    after a question answers it); attachments (charts, BibTeX) are written into `files`.
    Returns how many commands failed."""
    caller = console_caller(name)
    failures = 0
    expected: str | None = None  # a conversation's next step (the topics after a first /start)
    for line in _decoded(lines):
        if line is None:
            failures += 1
            out.write("That line is not valid UTF-8 text; it was ignored.\n")
            out.flush()
            continue
        if not line.strip():
            continue
        text = line.strip()
        if expected is not None and not text.startswith("/"):  # the answer to the question asked
            name, _, verb = expected.partition(" ")
            reply = core.invoke(caller, name, f"{verb} {text}")
        else:
            reply = core.handle(caller, text)
        expected = reply.expects
        failures += not reply.ok
        out.write(_printable(reply.text.rstrip("\n")) + "\n")
        if reply.attachment is not None and files is not None:
            path = files / reply.attachment[0]
            path.write_bytes(reply.attachment[1])
            out.write(f"(saved {path})\n")
        out.flush()
    return failures


def _decoded(lines: Iterable[str]) -> Iterator[str | None]:
    """Lines of a real stream are decoded one by one as UTF-8, so one undecodable line (None)
    costs that line, not the session; other iterables are taken as they are."""
    buffer = getattr(lines, "buffer", None)
    if buffer is None:
        yield from lines
        return
    for raw in buffer:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield None


def _printable(text: str) -> str:
    """Text any UTF-8 terminal can show: a lone surrogate stored earlier becomes U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")
