"""The delivery benchmark's accounting: machine CPU, what was in flight when a worker was
killed, and duplicates per message and per paper against the journal."""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of all cores busy between two `cpu_ticks` readings (any process, any user)."""
    return (after[0] - before[0]) / max(after[1] - before[1], 1)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min) on {os.cpu_count()} cores"


@dataclass
class KillWindow:
    """What a SIGKILLed worker left: the deliveries it held mid-send (each sends one message
    at a time, so at most one message each can have been in flight), and per target the
    messages the platform accepted that its journal had not recorded when it died."""

    held: int = 0
    unjournaled: dict[str, int] = field(default_factory=dict)

    @classmethod
    def measure(cls, journal: Mapping[str, int], accepted: Mapping[str, int]) -> KillWindow:
        """`journal`: target → messages journalled, for the rows the dead worker held."""
        gap = {t: accepted.get(t, 0) - n for t, n in journal.items()}
        return cls(held=len(journal), unjournaled={t: n for t, n in gap.items() if n > 0})

    @property
    def in_flight(self) -> int:
        return sum(self.unjournaled.values())


@dataclass
class Duplicates:
    messages: int  # accepted messages beyond the ones the journal records
    papers: int  # a paper sent to the same target again
    digests: int  # targets that received more than one digest header
    beyond_kill: int  # duplicate messages not explained by the kill's in-flight messages


def duplicates(
    accepted: Iterable[tuple[str, tuple[str, ...], bool]], journal: Mapping[str, int], kill: KillWindow | None
) -> Duplicates:
    """`accepted`: (target, papers carried, first message of a digest) per accepted message."""
    count: collections.Counter[str] = collections.Counter()
    papers: collections.Counter[tuple[str, str]] = collections.Counter()
    headers: collections.Counter[str] = collections.Counter()
    for target, carried, first in accepted:
        count[target] += 1
        papers.update((target, p) for p in carried)
        headers[target] += first
    extra = {t: max(n - journal.get(t, 0), 0) for t, n in count.items()}
    allowed = kill.unjournaled if kill else {}
    return Duplicates(
        messages=sum(extra.values()),
        papers=sum(n - 1 for n in papers.values() if n > 1),
        digests=sum(1 for n in headers.values() if n > 1),
        beyond_kill=sum(max(n - allowed.get(t, 0), 0) for t, n in extra.items()),
    )
