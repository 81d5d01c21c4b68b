"""Text from people and feeds made storable and showable: control characters (but tab and line
breaks) are invisible in chat and render as garbage in Markdown, and PostgreSQL cannot store
NUL at all, so one pasted or fed `\\x00` would fail a whole write."""

from __future__ import annotations

_CONTROLS = dict.fromkeys(c for c in [*range(32), 127] if chr(c) not in "\t\n\r")


def visible(text: str) -> str:
    """`text` without control characters other than tab, newline and carriage return."""
    return text.translate(_CONTROLS)
