"""The `paperbot` argument parser: every command and option with its help, and nothing heavy.

`--help` and usage errors are answered from here alone, so this module imports only the
standard library and the light validators.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import NoReturn

EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


class _Version(argparse.Action):
    """--version, reading the installed metadata only when asked (importlib.metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        print(f"paperbot {version()}")
        parser.exit(0)


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("paperbot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> Parser:
    parser = Parser(prog="paperbot", description="Personalised daily arXiv digests.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details (and tracebacks) to stderr")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    sub.add_parser("demo", help="offline demo: sample day, default profile, printed digest")
    _db(sub)
    _ingest(sub)
    _user(sub)
    _reading(sub)
    _operating(sub)
    return parser


def _db(sub: argparse._SubParsersAction[Parser]) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: create or migrate the schema")


def _ingest(sub: argparse._SubParsersAction[Parser]) -> None:
    ingest = sub.add_parser("ingest", help="load an announcement day (live or from a file)")
    ingest.add_argument(
        "--date", type=_date, help="announcement date YYYY-MM-DD (default: the latest; required with --file)"
    )
    ingest.add_argument("--categories", help="comma-separated arXiv categories (default: DEFAULT_CATEGORIES)")
    ingest.add_argument("--file", type=Path, help="a saved listing (.jsonl or .jsonl.gz) instead of arXiv")


def _user(sub: argparse._SubParsersAction[Parser]) -> None:
    user = sub.add_parser("user", help="manage local users")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=Parser, metavar="ACTION")
    add = user_sub.add_parser("add", help="create a local user, or update one")
    add.add_argument("name", help="the user's name (also their console identity)")
    add.add_argument("--topics-file", type=Path, required=True, help="a text file with the user's criteria")
    add.add_argument("--top", help="how many papers a digest shows at most: a number, or all")
    add.add_argument("--min-relevance", type=int, help="minimum relevance score, 1 to 10")
    add.add_argument("--min-novelty", type=int, help="minimum novelty score, 1 to 10")


def _reading(sub: argparse._SubParsersAction[Parser]) -> None:
    digest = sub.add_parser("digest", help="score a day for a user and print the digest")
    digest.add_argument("--user", required=True, help="a local user's name")
    digest.add_argument("--date", type=_date, required=True, help="announcement date YYYY-MM-DD")
    digest.add_argument(
        "--format", choices=["text", "markdown", "json"], default="text", help="output format (default: text)"
    )
    digest.add_argument("--all", action="store_true", help="every scanned paper in rank order")

    rate = sub.add_parser("rate", help="record 👍/👎 as a chat button would")
    rate.add_argument("--user", required=True, help="a local user's name")
    rate.add_argument("--up", nargs="+", default=[], metavar="ID", help="arXiv ids to 👍")
    rate.add_argument("--down", nargs="+", default=[], metavar="ID", help="arXiv ids to 👎")

    library = sub.add_parser(
        "import", help="add a library export (BibTeX, or arXiv ids or links) to what a user likes"
    )
    library.add_argument("--user", required=True, help="a local user's name")
    library.add_argument(
        "file", type=Path, metavar="FILE", help="a .bib file, or a text file of arXiv ids or links"
    )

    chat_cmd = sub.add_parser("chat", help="chat commands from stdin or a prompt, answers on stdout")
    chat_cmd.add_argument("--user", required=True, help="a local user's name")


def _operating(sub: argparse._SubParsersAction[Parser]) -> None:
    score = sub.add_parser("score", help="score a day once for every distinct criteria")
    score.add_argument("--date", type=_date, help="announcement date YYYY-MM-DD (default: the latest)")
    mode = score.add_mutually_exclusive_group()
    mode.add_argument("--batch", action="store_true", help="submit to the OpenAI Batch API (half price)")
    mode.add_argument(
        "--collect",
        action="store_true",
        help="collect batch results, then score what is missing synchronously",
    )
    score.add_argument(
        "--deadline",
        type=_moment,
        help="with --collect: stop waiting at this ISO time (default: the earliest delivery)",
    )

    usage = sub.add_parser("usage", help="LLM tokens and cost of a day, over all users")
    usage.add_argument("--date", type=_date, help="a day YYYY-MM-DD (default: today, UTC)")

    run = sub.add_parser(
        "run", help="production: the configured chat adapters, the web server and the daily scheduler"
    )
    run.add_argument(
        "--role", choices=["all", "worker", "web"], default="all",
        help="worker: scheduler + polling/Socket Mode; web: HTTP endpoints only; all: both (default)",
    )  # fmt: skip
    sub.add_parser("status", help="latest announcement, scoring state, today's deliveries and last errors")


def _date(raw: str) -> dt.date:
    from core.commands import validate  # the command core behind it is not needed for --help
    from core.errors import InputError

    try:
        return validate.date(raw)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give an ISO time like 2025-06-04T06:00+00:00, not {raw[:30]!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
