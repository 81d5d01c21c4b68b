"""The explicit list of chat commands, their usage and one-line help.

Usage strings carry no slash: each platform's syntax writes them (see syntax.py). A new
command is one more entry here.
"""

from __future__ import annotations

from core.commands import library, reading, settings, topics
from core.commands.core import Command
from core.commands.syntax import cmd

COMMANDS: dict[str, Command] = {
    "/start": Command(settings.start, "start", "create your profile"),
    "/help": Command(settings.help_, "help", "this list"),
    "/topics": Command(
        topics.topics,
        "topics [set <text> | add <line> | remove <n>]",
        "show or change your topics",
    ),
    "/keywords": Command(settings.keywords, "keywords +word -word", "require or exclude words"),
    "/authors": Command(settings.authors, "authors add|remove <name>", "follow authors"),
    "/categories": Command(settings.categories, "categories cs.LG cs.AI", "arXiv categories"),
    "/top": Command(settings.top, "top <n> | all", "how many papers a digest shows"),
    "/threshold": Command(settings.threshold, "threshold <relevance> <novelty>", "minimum scores, 1 to 10"),
    "/time": Command(settings.time, "time HH:MM", "when your digest arrives"),
    "/tz": Command(settings.tz, "tz <Area/City>", "your time zone"),
    "/cadence": Command(settings.cadence, "cadence daily | weekly <weekday>", "daily or weekly digests"),
    "/digest": Command(reading.digest, "digest [YYYY-MM-DD]", "the digest of a day"),
    "/pause": Command(settings.pause, "pause", "stop daily digests"),
    "/resume": Command(settings.resume, "resume", "start them again"),
    "/saved": Command(reading.saved, "saved", "your 👍 and imported papers"),
    "/import": Command(library.import_, "import <arXiv ids, links or BibTeX>", "add your library's papers"),
    "/export": Command(reading.export, "export", "BibTeX of your 👍 papers"),
    "/up": Command(reading.up, "up <arxiv id>", "👍 a paper"),
    "/down": Command(reading.down, "down <arxiv id>", "👎 a paper"),
    "/forget": Command(reading.forget, "forget", "delete your ratings (asks first)"),
    "/stats": Command(reading.stats, "stats", "your last weeks as a chart"),
}


def help_text() -> str:
    """Every command in the current caller's syntax."""
    return "\n".join(f"{cmd(c.usage)} — {c.summary}" for c in COMMANDS.values())
