"""`/topics`: criteria as the user's items, not as lines.

Criteria are free text, often numbered topics each with indented `- Relevant:` lines. An
item is a numbered line with the lines under it; without any numbers, each top-level line
(not a bullet, not indented) starts one. Text outside the numbered items (a preamble, a
keywords paragraph) is shown as it is, unnumbered, and is not something `remove N` counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.commands import validate
from core.commands.core import Context, Reply
from core.commands.syntax import cmd
from core.errors import InputError
from storage import profiles

_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*•+]\s")


@dataclass(frozen=True)
class Segment:
    start: int  # index of its first line in criteria.splitlines()
    end: int  # one past its last line (trailing blank lines included)
    numbered: bool  # a topic the user can address by number

    def head(self, lines: list[str]) -> str:
        first = lines[self.start].strip()
        match = _NUMBERED.match(first)
        return match.group(2) if match else first

    def body(self, lines: list[str]) -> list[str]:
        return [line.rstrip() for line in lines[self.start + 1 : self.end] if line.strip()]


def segments(criteria: str) -> list[Segment]:
    """The criteria cut into items (numbered) and free text (not), in order."""
    lines = criteria.splitlines()
    numbered_mode = any(_NUMBERED.match(line) for line in lines)
    starts: list[tuple[int, bool]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        top_level = line == line.lstrip() and not _BULLET.match(line)
        if numbered_mode and _NUMBERED.match(line):
            starts.append((index, True))
        elif top_level:
            starts.append((index, not numbered_mode))
    if lines and (not starts or starts[0][0] > 0):
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and (not starts or first < starts[0][0]):
            starts.insert(0, (first, not numbered_mode))
    return [
        Segment(start, starts[n + 1][0] if n + 1 < len(starts) else len(lines), numbered)
        for n, (start, numbered) in enumerate(starts)
    ]


def items(criteria: str) -> list[Segment]:
    return [s for s in segments(criteria) if s.numbered]


def show(criteria: str) -> str:
    """Each item once, numbered once (the user's own numbers replaced), its lines under it."""
    lines = criteria.splitlines()
    out: list[str] = []
    number = 0
    for segment in segments(criteria):
        if segment.numbered:
            number += 1
            out.append(f"{number}. {segment.head(lines)}")
            out.extend("   " + line.strip() for line in segment.body(lines))
        else:
            out.append(lines[segment.start].strip())
            out.extend(line.strip() for line in segment.body(lines))
    return "\n".join(out) or "(no topics yet)"


def topics(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.partition(" ")
    verb = verb.lower()
    if not verb:
        criteria = ctx.require_profile().criteria
        if not criteria.strip():
            return Reply(f"You have no topics yet. Describe them with {cmd('topics set <text>')}.")
        return Reply("Your topics:\n" + show(criteria))
    profile = ctx.editable_profile()
    first_topics = not profile.criteria.strip()
    note = "Topics updated."
    if verb == "set":
        new = rest.replace("\\n", "\n").strip()
        if not new:
            raise InputError(f"Give the new topics: {cmd('topics set <text>')}")
    elif verb == "add":
        line = " ".join(rest.split())
        if not line:
            raise InputError(f"Give the topic to add: {cmd('topics add <line>')}")
        numbered = any(_NUMBERED.match(x) for x in profile.criteria.splitlines())
        if numbered and not _NUMBERED.match(line):  # keep a numbered list numbered
            line = f"{len(items(profile.criteria)) + 1}. {line}"
        new = "\n".join([profile.criteria.rstrip(), line]).strip()
    elif verb == "remove":
        new, note = _remove(profile.criteria, rest)
    else:
        raise InputError(
            f"Use {cmd('topics')}, {cmd('topics set <text>')}, {cmd('topics add <line>')} "
            f"or {cmd('topics remove <n>')}."
        )
    if len(new) > validate.MAX_CRITERIA:
        raise InputError(
            f"Topics are limited to {validate.MAX_CRITERIA:,} characters; yours would be {len(new):,}."
        )
    profile.criteria = new
    profiles.save(ctx.session, profile)
    text = f"{note}\n{show(new)}"
    if first_topics:  # the end of a first conversation: when digests come, and how to change it
        text += "\n\n" + schedule_note(profile.delivery_time, profile.timezone)
    return Reply(text)


def schedule_note(delivery_time: str, timezone: str) -> str:
    return (
        f"Your digest arrives every arXiv announcement day at {delivery_time} ({timezone}). "
        f"Change it with {cmd('time HH:MM')} and {cmd('tz <Area/City>')}; "
        f"see today's papers now with {cmd('digest')}."
    )


def _remove(criteria: str, raw: str) -> tuple[str, str]:
    """Criteria without item `raw` (its lines too), and a note naming what went."""
    found = items(criteria)
    if not found:
        raise InputError("You have no topics to remove.")
    number = validate.integer(raw, name="The topic number", low=1, high=len(found))
    lines = criteria.splitlines()
    gone = found[number - 1]
    extra = len(gone.body(lines))
    with_lines = f" with its {extra} line{'s' if extra != 1 else ''}" if extra else ""
    kept = lines[: gone.start] + lines[gone.end :]
    return "\n".join(kept).strip(), f"Removed topic {number}: {gone.head(lines)[:200]}{with_lines}."
